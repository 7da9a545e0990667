// The "<=" line for an accepted message: gathers what the message and the
// receiving session know and hands it to the log module's one formatter.
// Message fields are byte strings; the logger takes text, hence text().

import { formatArrival as formatArrivalLine, type LogPipelining } from '../log/format.ts';
import type { LogSelector } from '../log/selectors.ts';
import { headerName, headerValue } from '../mail/headers.ts';
import type { Message } from '../mail/message.ts';
import { byteStringToText as text } from '../expand/operators/bytes.ts';
import { messageSize } from './build.ts';

export interface ArrivalDetails {
  bodyLength: number;
  /** The Message-ID header was created by tern (logged only under +msg_id_created). */
  messageIdCreated?: boolean;
  /** Reference for locally generated bounces (R=). */
  bounceRef?: string;
  /** Extras the SMTP server knows: CHUNKING used, PIPELINING advertised/used, receive time. */
  chunking?: boolean;
  pipelining?: boolean | LogPipelining;
  receiveTimeMs?: number;
  prdr?: boolean;
  fakeReject?: boolean;
  /** BODY= on MAIL (M8S=). */
  body8bitmime?: 0 | 7 | 8;
  /** DKIM verified domain(s) for DKIM= (filled by the DKIM layer later). */
  dkim?: string;
  /** The ARC chain passed (" ARC" after DKIM=). */
  arc?: boolean;
  /** The proxy's own address on a proxied session (PRX= under +proxy). */
  proxyLocalAddress?: string;
}

function messageIdOf(m: Message): string | undefined {
  const h = m.headers.find((x) => x.flag === 'I');
  if (!h) return undefined;
  const v = headerValue(h.text).replace(/\n[ \t]*/g, ' ').trim();
  const lt = v.indexOf('<');
  const gt = v.indexOf('>', lt + 1);
  return text(lt >= 0 && gt > lt ? v.slice(lt + 1, gt) : v);
}

function subjectOf(m: Message): string | undefined {
  const subj = m.headers.find((h) => h.flag !== '*' && (headerName(h.text) ?? '').toLowerCase() === 'subject');
  return subj ? text(headerValue(subj.text).replace(/\n$/, '').replace(/\n/g, '').trim()) : undefined;
}

/** The text after the message id: "<= sender H=... P=... S=... id=...". */
export function formatArrival(m: Message, sel: LogSelector, d: ArrivalDetails): string {
  return arrivalLines(m, sel, d).main;
}

/** The "<=" line and the message log's first line ("Received from ..."). */
export function arrivalLines(m: Message, sel: LogSelector, d: ArrivalDetails): { main: string; messageLog: string } {
  const pipelining = typeof d.pipelining === 'boolean' ? { advertised: true, used: d.pipelining } : d.pipelining;
  return formatArrivalLine({
    sender: text(m.sender),
    fakeReject: d.fakeReject,
    reference: d.bounceRef,
    peer: {
      address: m.hostAddress, port: m.hostPort, name: m.hostName && text(m.hostName),
      heloName: m.heloName && text(m.heloName), ident: m.ident && text(m.ident), interfaceAddress: m.interfaceAddress, interfacePort: m.interfacePort,
    },
    protocol: m.receivedProtocol,
    pipelining,
    tls: m.tlsCipher ? {
      cipher: m.tlsCipher,
      certificateVerified: m.tlsCertificateVerified ? 'yes' : 'no',
      peerDn: m.tlsPeerdn,
      sni: m.tlsSni,
    } : undefined,
    auth: m.hostAuth ? { name: m.hostAuth, id: m.authId && text(m.authId), mailAuth: m.authSender && text(m.authSender) } : undefined,
    prdr: d.prdr,
    proxyLocalAddress: d.proxyLocalAddress,
    chunking: d.chunking,
    size: messageSize(m, d.bodyLength),
    body8bitmime: d.body8bitmime,
    dkimDomain: d.dkim,
    arcPass: d.arc,
    receiveTimeMs: d.receiveTimeMs,
    queue: m.queueName || undefined,
    messageIdHeader: messageIdOf(m),
    messageIdCreated: d.messageIdCreated,
    subject: subjectOf(m),
    rawSender: text(m.sender),
    rawRecipients: m.recipients.map((r) => text(r.address)),
  }, sel);
}
