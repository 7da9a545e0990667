// The variable parts of Exim's log lines, built in one place. Field order
// and spelling follow Exim 4.98's output (fixtures in test/log/fixtures) and
// the spec's chapter "Log files".

import { arrivalHostInfo, connectionIdPart, connectionPeer, hostAndIdent, type LogPeer } from './host.ts';
import { stringPrinting } from './printing.ts';
import type { LogSelector } from './selectors.ts';
import { ACL_WHERE_WORD, SYNC_REASON, TEXT, type AclWhere } from './texts.ts';

/** Exim's time text: "1w2d3h4m5s" style, "0s" for nothing. */
export function formatSeconds(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  if (s === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(s / size);
    if (n > 0) out += `${n}${unit}`;
    s -= n * size;
  }
  return out;
}

/** A duration for D=, RT=, QT=, DT=: whole seconds, or "1.234s" under +millisec when under five seconds. */
export function formatDuration(ms: number, sel: LogSelector): string {
  if (!sel.has('millisec') || ms >= 5000) return formatSeconds(ms / 1000);
  const whole = Math.floor(ms / 1000);
  return `${whole}.${String(Math.floor(ms - whole * 1000)).padStart(3, '0')}s`;
}

export interface LogTls {
  cipher: string;
  /** Peer certificate verification (CV=), when the peer presented one. */
  certificateVerified?: 'yes' | 'no' | 'dane';
  peerDn?: string;
  sni?: string;
  /** The session resumed an earlier one (+tls_resumption adds "*"). */
  resumed?: boolean;
}

export interface LogAuth {
  /** The authenticator's name (A=name). */
  name: string;
  /** server_set_id result. */
  id?: string;
  /** AUTH= on MAIL, logged under +smtp_mailauth. */
  mailAuth?: string;
}

export interface LogPipelining {
  advertised: boolean;
  used: boolean;
  earlyAdvertised?: boolean;
  earlyUsed?: boolean;
}

/** X=, CV=, DN=, SNI= as the selector asks. */
export function tlsFields(tls: LogTls | undefined, sel: LogSelector, topBitChars = false): string {
  if (!tls) return '';
  let s = '';
  if (sel.has('tls_cipher')) s += ` X=${tls.cipher}${sel.has('tls_resumption') && tls.resumed ? '*' : ''}`;
  if (sel.has('tls_certificate_verified') && tls.certificateVerified) s += ` CV=${tls.certificateVerified}`;
  if (sel.has('tls_peerdn') && tls.peerDn) s += ` DN="${stringPrinting(tls.peerDn, { topBitChars })}"`;
  if (sel.has('tls_sni') && tls.sni) s += ` SNI="${stringPrinting(tls.sni, { topBitChars })}"`;
  return s;
}

export function authField(auth: LogAuth | undefined, sel: LogSelector): string {
  if (!auth) return '';
  let s = ` A=${auth.name}`;
  if (auth.id !== undefined) {
    s += `:${auth.id}`;
    if (sel.has('smtp_mailauth') && auth.mailAuth) s += `:${auth.mailAuth}`;
  }
  return s;
}

export function pipeliningField(p: LogPipelining | undefined, sel: LogSelector): string {
  if (!p || !p.advertised || !sel.has('pipelining')) return '';
  return ' L' + (p.earlyUsed ? '*' : p.earlyAdvertised ? '.' : '') + (p.used ? '' : '-');
}

/** The subject as T= shows it: at most 100 characters, quotes and backslashes escaped, then printable. */
export function subjectField(subject: string, topBitChars = false): string {
  const cut = Array.from(subject).slice(0, 100).join('');
  return ` T=${stringPrinting(`"${cut.replace(/["\\]/g, '\\$&')}"`, { topBitChars })}`;
}

export interface Arrival {
  /** Envelope sender; "" for a bounce. */
  sender: string;
  /** The "(=" fakereject form. */
  fakeReject?: boolean;
  /** R= on a locally generated bounce: the id of the message that caused it. */
  reference?: string;
  peer: LogPeer;
  /** $received_protocol (P=). */
  protocol?: string;
  pipelining?: LogPipelining;
  tls?: LogTls;
  auth?: LogAuth;
  prdr?: boolean;
  /** The proxy's local address (PRX=) for proxied sessions. */
  proxyLocalAddress?: string;
  /** BDAT was used (K). */
  chunking?: boolean;
  /** Message size as Exim counts it (S=). */
  size: number;
  /** BODY= on MAIL: 0 none, 7 7BIT, 8 8BITMIME (M8S=). */
  body8bitmime?: 0 | 7 | 8;
  /** DKIM= verified domain. */
  dkimDomain?: string;
  /** verify = arc found a passing chain (" ARC", with the dkim selector). */
  arcPass?: boolean;
  /** Time taken to receive (RT=), in milliseconds. */
  receiveTimeMs?: number;
  /** Named queue (Q=). */
  queue?: string;
  /** The Message-ID header's id, without angle brackets. */
  messageIdHeader?: string;
  /** The Message-ID header was added by us (id*= under +msg_id_created). */
  messageIdCreated?: boolean;
  /** The decoded Subject: (T= under +subject). */
  subject?: string;
  /** The sender before rewriting (" from <...>" under +received_sender). */
  rawSender?: string;
  /** Recipients before rewriting (" for ..." under +received_recipients). */
  rawRecipients?: string[];
}

/**
 * The <= line. `main` is the main log's text (with " from <>" and " for ..."
 * as selected); `messageLog` the first line of the message's own log.
 */
export function formatArrival(a: Arrival, sel: LogSelector, opts: { topBitChars?: boolean } = {}): { main: string; messageLog: string } {
  const top = opts.topBitChars ?? false;
  let s = (a.fakeReject ? '(= ' : '<= ') + (a.sender === '' ? '<>' : a.sender);
  if (a.reference) s += ` R=${a.reference}`;
  s += arrivalHostInfo(a.peer, sel);
  if (a.protocol) s += ` P=${a.protocol}`;
  s += pipeliningField(a.pipelining, sel);
  s += tlsFields(a.tls, sel, top);
  s += authField(a.auth, sel);
  if (a.prdr) s += ' PRDR';
  if (a.proxyLocalAddress && sel.has('proxy')) s += ` PRX=${a.proxyLocalAddress}`;
  if (a.chunking) s += ' K';
  s += ` S=${a.size}`;
  if (sel.has('8bitmime')) s += ` M8S=${a.body8bitmime ?? 0}`;
  if (a.dkimDomain && sel.has('dkim')) s += ` DKIM=${a.dkimDomain}`;
  if (a.arcPass && sel.has('dkim')) s += ' ARC';
  if (a.receiveTimeMs !== undefined && sel.has('receive_time')) s += ` RT=${formatDuration(a.receiveTimeMs, sel)}`;
  if (a.queue) s += ` Q=${a.queue}`;
  if (a.messageIdHeader !== undefined) {
    const id = stringPrinting(a.messageIdHeader, { topBitChars: top });
    if (a.messageIdCreated) {
      if (sel.has('msg_id_created')) s += ` id*=${id}`;
    } else if (sel.has('msg_id')) {
      s += ` id=${id}`;
    }
  }
  if (a.subject !== undefined && sel.has('subject')) s += subjectField(a.subject, top);
  const messageLog = 'Received from ' + s.slice(3);
  let main = s;
  if (sel.has('received_sender') && a.rawSender !== undefined) main += ` from <${a.rawSender}>`;
  if (sel.has('received_recipients') && a.rawRecipients && a.rawRecipients.length > 0) main += ' for ' + a.rawRecipients.join(' ');
  return { main, messageLog };
}

export interface AclRejection {
  peer: LogPeer;
  where: AclWhere;
  /** The command's argument as received (for "rejected RCPT <x>"); absent for connect, DATA and later. */
  commandData?: string;
  /** The envelope sender, once MAIL has been accepted (F=<...>). */
  sender?: string;
  /** A defer: "temporarily rejected". */
  temporary?: boolean;
  /** The log message (log_message, else message), if any. */
  logMessage?: string;
}

/** "H=... F=<s> rejected RCPT <r>: reason" and its siblings for every ACL. */
export function formatAclRejection(r: AclRejection, sel: LogSelector): string {
  const word = ACL_WHERE_WORD[r.where];
  let what: string;
  if (r.where === 'predata' || r.where === 'data' || r.where === 'prdr' || r.where === 'mime') what = word;
  // Exim 4.98 logs 8-bit bytes of the command's data as they came (recorded: test/fixtures/smtp/bs/*-acl-message)
  else if (r.commandData !== undefined) what = `${word} ${stringPrinting(r.commandData, { topBitChars: true })}`;
  else what = `${word} in "${r.where}" ACL`;
  let s = hostAndIdent(r.peer, sel, true);
  if (r.sender !== undefined) s += ` F=<${r.sender}>`;
  s += ` ${r.temporary ? 'temporarily ' : ''}rejected ${what}`;
  if (r.logMessage) s += `: ${r.logMessage}`;
  return s;
}

/** "SMTP connection from [ip]:port I=... Ci=n (TCP/IP connection count = n)" or, for a local caller, "SMTP connection Ci=n from user". */
export function formatConnectionOpened(peer: LogPeer, sel: LogSelector, count?: number): string {
  if (peer.address === undefined) return `${TEXT.connection}${connectionIdPart(peer, sel)} from ${connectionPeer(peer, sel)}`;
  let s = `${TEXT.connection} from ${connectionPeer(peer, sel)}${connectionIdPart(peer, sel)}`;
  if (count !== undefined) s += ' ' + TEXT.connectionCount(count);
  return s;
}

/**
 * The closing line under +smtp_connection: "... D=0.012s closed by QUIT",
 * or "... lost (error: Connection reset by peer) D=0.450s".
 */
export function formatConnectionClosed(
  peer: LogPeer, sel: LogSelector, durationMs: number, end: { how: 'quit' } | { how: 'lost'; error?: string } | { how: 'other'; text: string },
): string {
  const head = `${TEXT.connection}${connectionIdPart(peer, sel)} from ${connectionPeer(peer, sel)}`;
  const d = `D=${formatDuration(durationMs, sel)}`;
  if (end.how === 'quit') return `${head} ${d} closed by QUIT`;
  if (end.how === 'lost') return `${head} lost${end.error ? ` (error: ${end.error})` : ''} ${d}`;
  return `${head} ${d} ${end.text}`;
}

/** The C= list of "no MAIL" lines: up to 20 commands, the last 20 after "..." when there were more. */
export function commandHistory(commands: readonly string[]): string {
  return commands.length > 20 ? '...,' + commands.slice(-20).join(',') : commands.join(',');
}

export function formatNoMail(
  peer: LogPeer, sel: LogSelector, durationMs: number, commands: readonly string[], extra: { auth?: LogAuth; tls?: LogTls } = {},
): string {
  let s = `${TEXT.noMail} ${hostAndIdent(peer, sel, false)}`;
  s += authField(extra.auth, sel) + tlsFields(extra.tls, sel);
  s += ` D=${formatDuration(durationMs, sel)}`;
  if (commands.length > 0) s += ` C=${commandHistory(commands)}`;
  return s;
}

export function formatCommandTimeout(peer: LogPeer, sel: LogSelector, durationMs: number): string {
  return `${TEXT.commandTimeout} ${hostAndIdent(peer, sel, false)} D=${formatDuration(durationMs, sel)}`;
}

/** "SMTP syntax error in "MAIL FROM:<bad" H=... reason" (+smtp_syntax_error). */
export function formatSyntaxError(peer: LogPeer, sel: LogSelector, command: string, reason: string): string {
  return `${TEXT.syntaxError} "${stringPrinting(command)}" ${hostAndIdent(peer, sel, true)} ${reason}`;
}

/** "SMTP protocol error in "DATA" H=... reason" (+smtp_protocol_error). */
export function formatProtocolError(peer: LogPeer, sel: LogSelector, command: string, reason: string): string {
  return `${TEXT.protocolError} "${stringPrinting(command)}" ${hostAndIdent(peer, sel, true)} ${reason}`;
}

/** "SMTP call from ... dropped: too many syntax or protocol errors (last command was "X",  C=...)". */
export function formatTooManyErrors(peer: LogPeer, sel: LogSelector, lastCommand: string, commands: readonly string[]): string {
  return `SMTP call from ${hostAndIdent(peer, sel, false)} dropped: ${TEXT.tooManySynprot} ` +
    `(last command was "${stringPrinting(lastCommand)}",  C=${commandHistory(commands)})`;
}

/** Shown input after a synchronisation error: printable, and its length in bytes. */
function shownInput(input: string): string {
  return `"${stringPrinting(input.slice(0, 150))}" (${Buffer.byteLength(input)} bytes)`;
}

/** Input before the greeting: "... (input sent without waiting for greeting): rejected connection from H=[ip] input="..."". */
export function formatEarlyInput(peer: LogPeer, sel: LogSelector, input: string): string {
  return `${TEXT.syncError} (${SYNC_REASON.beforeGreeting}): rejected connection from ${hostAndIdent(peer, sel, true)} ` +
    `input="${stringPrinting(input.slice(0, 150))}"`;
}

/** Pipelined input where it is not allowed: "... (next input sent too soon: ...): rejected "CMD" H=... next input="..." (n bytes)". */
export function formatSyncError(peer: LogPeer, sel: LogSelector, command: string, nextInput: string, pipeliningAdvertised: boolean): string {
  const reason = pipeliningAdvertised ? SYNC_REASON.tooSoon : SYNC_REASON.notAdvertised;
  return `${TEXT.syncError} (${reason}): rejected "${stringPrinting(command)}" ${hostAndIdent(peer, sel, true)} next input=${shownInput(nextInput)}`;
}

/** "H=... incomplete transaction (RSET) from <s> for r1 r2" (+smtp_incomplete_transaction). */
export function formatIncompleteTransaction(peer: LogPeer, sel: LogSelector, why: string, sender: string, recipients: readonly string[]): string {
  let s = `${hostAndIdent(peer, sel, true)} ${TEXT.incompleteTransaction} (${why}) from <${sender}>`;
  if (recipients.length > 0) s += ' for ' + recipients.join(' ');
  return s;
}

/** The lines that follow a rejection in the reject log: envelope (up to five recipients) and header lines with their type flags. */
export function formatRejectHeaders(envelope: { sender: string; recipients: readonly string[] } | undefined,
  headers: readonly { flag: string; text: string }[]): string[] {
  const out: string[] = [];
  if (envelope && envelope.recipients.length > 0) {
    out.push(`Envelope-from: <${envelope.sender}>`);
    out.push(`Envelope-to: <${envelope.recipients[0]}>`);
    for (const r of envelope.recipients.slice(1, 5)) out.push(`    <${r}>`);
    if (envelope.recipients.length > 5) out.push('    ...');
  }
  for (const h of headers) out.push(`${h.flag} ${h.text.replace(/\r\n/g, '\n').replace(/\n$/, '')}`);
  return out;
}
