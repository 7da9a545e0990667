// The "<=" line Exim writes to the main log for every message accepted
// (spec, "Logging message reception"), fields in Exim's order.

import { arrivalHostInfo } from '../log/host.ts';
import type { LogSelector } from '../log/selectors.ts';
import { headerName, headerValue } from '../mail/headers.ts';
import type { Message } from '../mail/message.ts';
import { messageSize } from './build.ts';

export interface ArrivalDetails {
  bodyLength: number;
  /** The Message-ID header was created by tern (logged only under +msg_id_created). */
  messageIdCreated?: boolean;
  /** Reference for locally generated bounces (R=). */
  bounceRef?: string;
  /** Extras the SMTP server knows: CHUNKING used, PIPELINING used, receive time. */
  chunking?: boolean;
  pipelining?: boolean;
  receiveTimeMs?: number;
  /** DKIM verified domain(s) for DKIM= (filled by the DKIM layer later). */
  dkim?: string;
}

const quote = (s: string): string => '"' + s.replace(/(["\\])/g, '\\$1') + '"';

function messageIdOf(m: Message): string | undefined {
  const h = m.headers.find((x) => x.flag === 'I');
  if (!h) return undefined;
  const v = headerValue(h.text).replace(/\n[ \t]*/g, ' ').trim();
  const lt = v.indexOf('<');
  const gt = v.indexOf('>', lt + 1);
  return lt >= 0 && gt > lt ? v.slice(lt + 1, gt) : v;
}

/** The text after the message id: "<= sender H=... P=... S=... id=...". */
export function formatArrival(m: Message, sel: LogSelector, d: ArrivalDetails): string {
  let s = `<= ${m.sender === '' ? '<>' : m.sender}`;
  if (d.bounceRef) s += ` R=${d.bounceRef}`;
  s += arrivalHostInfo({
    address: m.hostAddress, port: m.hostPort, name: m.hostName, heloName: m.heloName,
    ident: m.ident, interfaceAddress: m.interfaceAddress, interfacePort: m.interfacePort,
  }, sel);
  if (m.receivedProtocol) s += ` P=${m.receivedProtocol}`;
  if (d.pipelining && sel.has('pipelining')) s += ' L';
  if (d.chunking) s += ' K';
  if (m.tlsCipher) {
    if (sel.has('tls_cipher')) s += ` X=${m.tlsCipher}`;
    if (sel.has('tls_certificate_verified')) s += ` CV=${m.tlsCertificateVerified ? 'yes' : 'no'}`;
    if (sel.has('tls_peerdn') && m.tlsPeerdn) s += ` DN=${quote(m.tlsPeerdn)}`;
    if (sel.has('tls_sni') && m.tlsSni) s += ` SNI=${quote(m.tlsSni)}`;
  }
  if (m.hostAuth) s += ` A=${m.hostAuth}${m.authId ? ':' + m.authId : ''}`;
  s += ` S=${messageSize(m, d.bodyLength)}`;
  if (d.receiveTimeMs !== undefined && sel.has('receive_time')) s += ` RT=${(d.receiveTimeMs / 1000).toFixed(3)}s`;
  const id = messageIdOf(m);
  if (id !== undefined && (d.messageIdCreated ? sel.has('msg_id_created') : sel.has('msg_id'))) s += ` id=${id}`;
  if (sel.has('subject')) {
    const subj = m.headers.find((h) => h.flag !== '*' && (headerName(h.text) ?? '').toLowerCase() === 'subject');
    if (subj) s += ` T=${quote(headerValue(subj.text).replace(/\n$/, '').replace(/\n/g, '').trim())}`;
  }
  if (sel.has('received_sender')) s += ` from <${m.sender}>`;
  if (sel.has('received_recipients')) s += ` for ${m.recipients.map((r) => r.address).join(' ')}`;
  return s;
}
