// RFC 1413 identification of the caller (rfc1413_hosts, rfc1413_query_timeout):
// we connect from the interface the client reached back to its port 113 and
// ask who owns its end of our connection. The answer becomes $sender_ident
// and the U= of log lines. Any failure (refused, timeout, an ERROR reply,
// nonsense) just leaves the identity unknown, as in Exim.

import net from 'node:net';
import { stringPrinting } from '../../log/index.ts';
import { setVar } from './context.ts';
import { optTimeMs } from './options.ts';
import type { SmtpSession } from './session.ts';

const IDENT_PORT = 113;
const MAX_REPLY = 1024;
const MAX_USER = 127;

/** The user id of an ident reply ("<ports> : USERID : <os>[,<charset>] : <user>"), or undefined. */
export function parseIdentReply(line: string): string | undefined {
  const parts = line.split(':');
  if (parts.length < 4 || parts[1].trim().toUpperCase() !== 'USERID') return undefined;
  // the user id is everything after the third colon (it may itself contain colons)
  const user = parts.slice(3).join(':').replace(/^[ \t]+/, '').replace(/[\r\n]+$/, '').replace(/[ \t]+$/, '');
  return user === '' ? undefined : user.slice(0, MAX_USER);
}

/** Ask the client's ident service; resolves with the user id or undefined. */
export function queryIdent(remote: string, remotePort: number, local: string | undefined, localPort: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    const finish = (v: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const sock = net.connect({ host: remote, port: IDENT_PORT, localAddress: local });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(`${remotePort} , ${localPort}\r\n`));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(parseIdentReply(buf.slice(0, nl)));
      else if (buf.length > MAX_REPLY) finish(undefined);
    });
    sock.on('end', () => finish(buf === '' ? undefined : parseIdentReply(buf)));
    sock.on('error', () => finish(undefined));
  });
}

/** At connection: the ident call, for hosts in rfc1413_hosts when the timeout is not zero. */
export async function identifyCaller(s: SmtpSession): Promise<void> {
  const c = s.conn;
  if (s.isLocal || s.isHostCheck || c.remoteAddress === undefined || c.remotePort === undefined || c.localPort === undefined) return;
  const timeout = optTimeMs(s.config, 'rfc1413_query_timeout', 0);
  if (timeout <= 0 || !await s.hostInList('rfc1413_hosts')) return;
  const user = await queryIdent(c.remoteAddress, c.remotePort, c.localAddress, c.localPort, timeout);
  if (user === undefined) return;
  c.ident = stringPrinting(user);
  setVar(s.ctx, 'sender_ident', c.ident, true);
}
