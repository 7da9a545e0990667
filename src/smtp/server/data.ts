// DATA and BDAT: the predata ACL, reading the message (dot-stuffed lines or
// counted chunks) and handing it to finishMessage.

import { runPhaseAcl } from './acl-phase.ts';
import { formatDuration, hostAndIdent, TEXT } from '../../log/index.ts';
import { readMessageData } from './data-reader.ts';
import { messageLines } from './batch.ts';
import { countProtocolError, countSyntaxError } from './errors.ts';
import { messageSizeLimit } from './helo.ts';
import { finishMessage, lostDuringData, splitHeaders } from './message.ts';
import { chunkReceived, REPLY, timeoutReply } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';
import { optString } from './options.ts';
import { refuseTooSoon, sentTooSoon } from './sync.ts';

/** Any accepted (or discarded) recipient? Else the "must precede" reply. */
/**
 * A pipelining client whose last command was RCPT sent DATA (or BDAT) before
 * it could know that every RCPT failed: Exim answers "Valid ..." (capital V)
 * and does not count that as a protocol error; otherwise it does.
 */
function pipelinedAfterRcpt(s: SmtpSession): boolean {
  return s.advertised.pipelining && s.history[s.history.length - 2] === 'RCPT' && !s.prevCmdFlags.rcptWithoutSender;
}

function noRecipientsReply(s: SmtpSession, verb: 'DATA' | 'BDAT'): string[] {
  let last: string = verb === 'DATA' ? REPLY.rcptBeforeData : REPLY.rcptBeforeBdat;
  if (pipelinedAfterRcpt(s)) last = last.replace('503 valid', '503 Valid');
  if (!s.rcptAnswersDiffer && s.lastRcptRejection !== undefined && !s.aclConn.controls.noMultilineResponses) {
    return [REPLY.allRcptsRejected, ...s.lastRcptRejection.split('\n').map((l) => `503-${l}`), last];
  }
  return [last];
}

function hasRecipients(s: SmtpSession): boolean {
  return s.sender !== undefined && (s.recipients.length > 0 || s.discardedRecipients);
}

async function predata(s: SmtpSession): Promise<boolean> {
  const acl = await runPhaseAcl(s, 'predata');
  if (acl.verdict === 'accept' || acl.verdict === 'discard') return true;
  s.sendLines(acl.lines);
  if (acl.verdict === 'drop') throw new SessionEnd('drop');
  return false;
}

export async function dataCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  if (arg !== '') {
    s.send(REPLY.unexpectedArgument);
    await countSyntaxError(s, line, 'unexpected argument data');
    return;
  }
  // From the first DATA or BDAT on, commands are read with Exim's synchronisation check
  s.pipeConnectAcceptable = false;
  if (!hasRecipients(s)) {
    s.sendLines(noRecipientsReply(s, 'DATA'));
    if (!pipelinedAfterRcpt(s)) await countProtocolError(s, line, 'valid RCPT command must precede DATA');
    return;
  }
  if (!await predata(s)) return;
  // The predata ACL may have taken a while: Exim checks again that the client waited for its answer.
  if (optString(s.config, 'acl_smtp_predata') && sentTooSoon(s)) refuseTooSoon(s, line);
  // Checked as the message is received (its answer is not acted on yet; the -bh trace shows it).
  if (!s.isLocal) await s.hostInList('ignore_fromline_hosts');
  s.send(REPLY.enterMessage);
  s.flush();
  const limit = await messageSizeLimit(s);
  if (s.isBatch) s.batch.command = undefined;
  const r = await readMessageData(s.input, limit, s.receiveTimeoutMs);
  if (s.isBatch) {
    s.batch.lines += r.end === 'eof' ? r.wireLines : batchMessageLines(r.chunks);
  }
  if (r.end === 'eof') lostDuringData(s, r.chunks);
  if (r.end === 'timeout') {
    s.send(timeoutReply(s.hostname));
    logDataTimeout(s);
    throw new SessionEnd('timeout');
  }
  await finishMessage(s, { chunks: r.chunks, size: r.size, tooBig: r.tooBig, sizeLimit: limit, chunked: false });
}

/** "SMTP data timeout (message abandoned) on connection from H=... F=<s> D=1s", as Exim 4.98 logs it. */
function logDataTimeout(s: SmtpSession): void {
  const sel = s.logger.selector as never;
  s.logger.main(`${TEXT.dataTimeout} ${hostAndIdent(s.peer(), sel, false)} F=<${s.sender ?? ''}> D=${formatDuration(s.now() - s.startedAt, sel)}`);
}

/** The lines of a message as -bS counts them (batch.ts). */
function batchMessageLines(chunks: Buffer[]): number {
  const raw = Buffer.concat(chunks);
  const { bodyStart } = splitHeaders(raw);
  const blank = bodyStart > 0 && raw[bodyStart - 1] === 0x0a && (bodyStart === 1 || raw[bodyStart - 2] === 0x0a);
  return messageLines(raw, bodyStart, blank);
}

/**
 * The "total" of the last chunk's reply, as Exim 4.98 counts it: the
 * message with CRLF line ends (a last line without one gets it), plus one
 * when no blank line separates header and body; an empty message is 2.
 */
function bdatTotal(s: SmtpSession): number {
  if (s.bdatSize === 0) return 2;
  const raw = Buffer.concat(s.bdatChunks);
  const unterminated = raw.length > 0 && raw[raw.length - 1] !== 0x0a;
  const crlfSize = s.bdatSize + s.bdatLines + (unterminated ? 2 : 0);
  const { bodyStart } = splitHeaders(raw);
  const blank = bodyStart > 0 && raw[bodyStart - 1] === 0x0a && (bodyStart === 1 || raw[bodyStart - 2] === 0x0a);
  return crlfSize + (blank ? 0 : 1);
}

/** Skip n bytes of a BDAT chunk we are not going to use. */
async function skipBytes(s: SmtpSession, n: number): Promise<boolean> {
  // what we answered goes out first: a client may wait for it before it sends the chunk (Exim flushes before each read)
  s.flush();
  let left = n;
  while (left > 0) {
    const b = await s.input.take(left, s.receiveTimeoutMs);
    if (b.length === 0) return false;
    left -= b.length;
  }
  return true;
}

/** CRLF → LF: BDAT chunks carry the message in wire form. */
function toInternal(b: Buffer, prevCr: boolean): { out: Buffer; endsCr: boolean } {
  const out: number[] = [];
  let cr = prevCr;
  for (const c of b) {
    if (cr) {
      if (c !== 0x0a) out.push(0x0a);
      cr = false;
    }
    if (c === 0x0d) { cr = true; continue; }
    out.push(c);
  }
  return { out: Buffer.from(out), endsCr: cr };
}

export async function bdatCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  // As Exim reads it (sscanf "%u"): a size, then LAST (any case) or anything else for a chunk that is not the last.
  const m = /^[ \t]*\+?(\d+)(?:[ \t]*(.*))?$/s.exec(arg);
  if (!s.advertised.chunking) {
    // the chunk is not skipped: Exim reads what follows as commands
    s.send(REPLY.bdatNotAdvertised);
    await countProtocolError(s, line, 'BDAT command used when CHUNKING not advertised');
    return;
  }
  if (!m) {
    s.send(REPLY.bdatMissingSize);
    await countSyntaxError(s, line, 'missing size for BDAT command');
    return;
  }
  const n = Number(m[1]);
  const last = (m[2] ?? '').toUpperCase() === 'LAST';
  s.pipeConnectAcceptable = false;
  // a later chunk of nothing that is not the last is refused, and only RSET helps then (as Exim 4.98)
  if (s.chunking === 'chunks' && n === 0 && !last) {
    s.send('504 zero size for BDAT command');
    s.chunking = 'failed';
    await countProtocolError(s, line, 'zero size for BDAT command');
    return;
  }
  if (s.chunking === 'none' && !hasRecipients(s)) {
    const pipelined = pipelinedAfterRcpt(s);
    s.sendLines(noRecipientsReply(s, 'BDAT'));
    // counted before the chunk is skipped (and the reply flushed): "too many errors" joins the reply
    if (!pipelined) await countProtocolError(s, line, 'valid RCPT command must precede BDAT');
    if (!await skipBytes(s, n)) throw new SessionEnd('lost');
    return;
  }
  if (s.chunking === 'none') {
    // no predata ACL for BDAT (the spec: "the acl_smtp_predata ACL is not run")
    s.chunking = 'chunks';
    // as for DATA, the message's reception starts with this check (the -bh trace shows it)
    if (!s.isLocal) await s.hostInList('ignore_fromline_hosts');
    s.bdatChunks = [];
    s.bdatSize = 0;
    s.bdatLines = 0;
  }
  const limit = await messageSizeLimit(s);
  s.flush();
  let left = n;
  let prevCr = false;
  let tooBig = limit > 0 && s.bdatSize > limit;
  while (left > 0) {
    let b: Buffer;
    try {
      b = await s.input.take(left, s.receiveTimeoutMs);
    } catch {
      s.send(timeoutReply(s.hostname));
      logDataTimeout(s);
      throw new SessionEnd('timeout');
    }
    if (b.length === 0) lostDuringData(s, s.bdatChunks);
    left -= b.length;
    const conv = toInternal(b, prevCr);
    prevCr = conv.endsCr;
    s.bdatSize += conv.out.length;
    for (let i = conv.out.indexOf(0x0a); i >= 0; i = conv.out.indexOf(0x0a, i + 1)) s.bdatLines++;
    if (limit > 0 && s.bdatSize > limit) tooBig = true;
    if (!tooBig) s.bdatChunks.push(conv.out);
  }
  if (prevCr) { s.bdatChunks.push(Buffer.from([0x0a])); s.bdatSize++; s.bdatLines++; }
  if (!last) {
    s.send(chunkReceived(n));
    return;
  }
  const chunks = tooBig ? [] : s.bdatChunks;
  await finishMessage(s, { chunks, size: s.bdatSize, tooBig, sizeLimit: limit, chunked: true, lastChunk: { size: n, total: bdatTotal(s) } });
}
