// smtp_accept_max_nonmail: counting the commands that do not move mail
// along, and dropping a client that sends too many (a mad loop of EHLO or
// failing AUTHs). Between messages one RSET, one HELO/EHLO and one
// STARTTLS are free; after STARTTLS another EHLO is; the first AUTH of the
// connection, or the first after STARTTLS, is free. MAIL, RCPT, DATA,
// BDAT and QUIT are never counted.

import { hostAndIdent, stringPrinting } from '../../log/index.ts';
import { optNumber } from './options.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

const COUNTED = new Set(['HELO', 'EHLO', 'AUTH', 'RSET', 'NOOP', 'HELP', 'VRFY', 'EXPN', 'ETRN', 'ATRN', 'STARTTLS']);

export interface NonmailState {
  count: number;
  /** Whether the client is subject to the check (smtp_accept_max_nonmail_hosts); decided at the first command. */
  applies?: boolean;
  rsetFree: boolean;
  heloFree: boolean;
  starttlsFree: boolean;
  authFree: boolean;
}

export function newNonmailState(): NonmailState {
  return { count: 0, rsetFree: true, heloFree: true, starttlsFree: true, authFree: true };
}

/** A new message is expected (one finished): the free RSET, HELO/EHLO and STARTTLS come back. */
export function nonmailMessageDone(st: NonmailState): void {
  st.rsetFree = true;
  st.heloFree = true;
  st.starttlsFree = true;
}

/** TLS started: the EHLO that must follow, and an AUTH, are free. */
export function nonmailTlsStarted(st: NonmailState): void {
  st.heloFree = true;
  st.authFree = true;
}

/** Take one free use of `verb`, if there is one. */
function free(st: NonmailState, verb: string): boolean {
  const key = verb === 'RSET' ? 'rsetFree' : verb === 'HELO' || verb === 'EHLO' ? 'heloFree'
    : verb === 'STARTTLS' ? 'starttlsFree' : verb === 'AUTH' ? 'authFree' : undefined;
  if (key === undefined || !st[key]) return false;
  st[key] = false;
  return true;
}

/** Count a command; too many ends the session with Exim's 554 and log line. */
export async function countNonmail(s: SmtpSession, verb: string, line: string): Promise<void> {
  if (!COUNTED.has(verb) || s.isBatch) return;
  const st = s.nonmail;
  if (free(st, verb)) return;
  st.applies ??= await s.hostInList('smtp_accept_max_nonmail_hosts');
  if (!st.applies) return;
  const max = optNumber(s.config, 'smtp_accept_max_nonmail', 10);
  if (++st.count <= max) return;
  s.send('554 Too many nonmail commands');
  const who = hostAndIdent(s.peer(), s.logger.selector as never, false);
  s.logger.reject(`SMTP call from ${who} dropped: too many nonmail commands (last was "${stringPrinting(line)}")`);
  throw new SessionEnd('other');
}
