// The end of a message (final dot of DATA, BDAT LAST): build it through
// src/receive, run the DATA ACL, queue it durably and only then say 250.
// Under -bh nothing is queued: Exim's reply carries an id that is not real.

import { newMessageId } from '../../spool/message-id.ts';
import { ReceiveError, type Origin } from '../../receive/types.ts';
import { formatArrival } from '../../receive/arrival-log.ts';
import type { Message } from '../../mail/message.ts';
import { hostAndIdent } from '../../log/index.ts';
import { splitMessage } from '../../acl/index.ts';
import { applyAclHeaders, visibleHeaders } from './acl-headers.ts';
import { logRejection, runPhaseAcl, type PhaseOutcome } from './acl-phase.ts';
import { rejectLogHeaders, releaseMimeScan, runMimeAcl } from './mime-acl.ts';
import { runPrdr } from './prdr.ts';
import { runDkimAcl } from './dkim-acl.ts';
import { messageDkim } from '../../dkim/message-state.ts';
import { messageArc } from '../../arc/condition.ts';
import { setVar } from './context.ts';
import { REPLY, replyLines } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';
import { nonmailMessageDone } from './nonmail.ts';
import { textToBytes } from './log-text.ts';
import { savedSpamVariables } from '../../scan/saved-variables.ts';
import { byteStringToText } from '../../expand/operators/bytes.ts';
import { isAscii as isAsciiBytes } from 'node:buffer';
import { proxyLogAddress } from './proxy-protocol.ts';

/** Header lines ("Name: value\n", continuations joined) of a message in LF form. */
export function splitHeaders(raw: Buffer): { headers: string[]; bodyStart: number } {
  const text = raw.toString('latin1');
  const headers: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    if (line === '\n') { pos = end; break; }
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) headers[headers.length - 1] += line;
    // (an empty name, ": x", is a header line too, as Exim's receiver has it)
    else if (/^(?:[!-9;-~]+[ \t]*)?:/.test(line)) headers.push(line.endsWith('\n') ? line : line + '\n');
    else break;
    pos = end;
  }
  return { headers, bodyStart: pos };
}

export function originOf(s: SmtpSession): Origin {
  const c = s.conn;
  const o: Origin = {
    local: s.isLocal,
    protocol: s.protocolName(),
    caller: { ...c.caller },
    helo: s.heloName,
    ident: c.ident ?? (s.isLocal ? c.caller.login : undefined),
    senderForced: true,
  };
  if (c.remoteAddress !== undefined) {
    o.host = { address: c.remoteAddress, port: c.remotePort ?? 0, helo: s.heloName, ident: c.ident, name: s.aclConn.host?.name };
    // checked when the connection started (CONNECTION_HOST_LISTS)
    o.unqualifiedSenderHost = s.hostListAnswer('sender_unqualified_hosts') === true;
    o.unqualifiedRecipientHost = s.hostListAnswer('recipient_unqualified_hosts') === true;
  }
  if (c.localAddress !== undefined) o.iface = { address: c.localAddress, port: c.localPort ?? 0 };
  if (s.authenticatedBy) o.auth = { id: s.authenticatedId, sender: s.mailParams.authSender, name: s.authenticatedBy.instanceName, publicName: s.authenticatedBy.publicName };
  const sub = s.aclMsg.controls.submission ?? s.aclConn.controls.submission;
  if (sub) o.submission = { domain: sub.domain, name: sub.name, senderRetain: sub.senderRetain };
  if (s.aclMsg.controls.suppressLocalFixups) o.suppressLocalFixups = true;
  const t = s.tlsInfo;
  if (t) o.tls = { cipher: t.cipher, cipherStd: t.cipherStd, version: t.version, peerdn: t.peerDn || undefined, verified: t.certificateVerified, sni: t.sni || undefined, resumption: t.resumption };
  return o;
}

function peerText(s: SmtpSession): string {
  return hostAndIdent(s.peer(), s.logger.selector as never, true);
}

export interface ReceivedData {
  chunks: Buffer[];
  size: number;
  tooBig: boolean;
  sizeLimit: number;
  chunked: boolean;
  /** BDAT LAST: the last chunk's size and the wire bytes of all chunks. */
  lastChunk?: { size: number; total: number };
}

/** A new message id (honouring localhost_number) and the instant it encodes, in microseconds. */
async function allocateId(s: SmtpSession): Promise<{ id: string; timeMicros: bigint }> {
  const fixed = s.services.newMessageId?.();
  if (fixed !== undefined) return { id: fixed, timeMicros: BigInt(s.now()) * 1000n };
  let ln: string | undefined;
  try {
    ln = await s.expandOption('localhost_number');
  } catch {
    ln = undefined;
  }
  return newMessageId({ localhostNumber: ln === undefined ? undefined : Number(ln) });
}

/** Finish one message; the transaction is reset afterwards whatever happened. */
export async function finishMessage(s: SmtpSession, data: ReceivedData): Promise<void> {
  try {
    await finish(s, data);
  } finally {
    await releaseMimeScan(s);
    s.resetTransaction();
    nonmailMessageDone(s.nonmail);
  }
}

async function finish(s: SmtpSession, data: ReceivedData): Promise<void> {
  const issued = await allocateId(s);
  const id = issued.id;
  s.hostCheckMessageId = undefined;
  setVar(s.ctx, 'message_exim_id', id);
  setVar(s.ctx, 'message_id', id);
  const sender = s.sender ?? '';
  if (data.tooBig) {
    s.send(REPLY.sizeExceeded);
    s.logger.reject(`rejected from <${sender}> ${peerText(s)}: message too big: read=${data.size} max=${data.sizeLimit}`, { id });
    return;
  }
  const raw = Buffer.concat(data.chunks);
  setVar(s.ctx, 'message_size', String(raw.length));
  const envelope = { sender, recipients: s.recipients, id, senderRewritten: s.aclMsg.senderRewritten !== undefined };
  let built: { message: Message; body: Buffer } | undefined;
  let headers: string[];
  let body: Buffer;
  if (s.services.receiver) {
    try {
      // the id's instant is the arrival time, to the microsecond (-received_time_usec)
      built = s.services.receiver.build(raw, envelope, { ...originOf(s), timeMicros: issued.timeMicros }, s.config, s.ctx);
    } catch (e) {
      if (e instanceof ReceiveError) {
        s.send(`${e.code} ${e.text}`);
        s.logger.reject(`${peerText(s)} F=<${sender}> rejected after DATA: ${e.logText}`, { id });
        return;
      }
      throw e;
    }
    applyAclHeaders(built.message, s.aclMsg);
    headers = visibleHeaders(built.message);
    body = built.body;
  } else if (s.isHostCheck) {
    const split = splitHeaders(raw);
    headers = split.headers;
    body = raw.subarray(split.bodyStart);
  } else {
    throw new Error('message reception (src/receive) is not available');
  }
  // the expander reads headers and body as text (UTF-8 decoded, other bytes escaped)
  s.ctx.headers = headers.map(byteStringToText);
  // (an ASCII body, the usual case, needs no decoding: checked on the bytes, natively)
  s.ctx.body = isAsciiBytes(body) ? body.toString('latin1') : byteStringToText(body.toString('latin1'));
  // DKIM verification and acl_smtp_dkim come before the MIME and DATA ACLs, as in Exim
  const dkimAcl = await runDkimAcl(s, { raw, headers, body, messageId: id });
  if (dkimAcl.verdict !== 'accept' && dkimAcl.verdict !== 'discard') {
    s.sendLines(dkimAcl.lines);
    if (dkimAcl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  // then acl_smtp_mime once per MIME part, and PRDR's acl_smtp_data_prdr once per recipient
  let blackholedBy: string | undefined = dkimAcl.verdict === 'discard' ? 'DKIM' : undefined;
  const mime = await runMimeAcl(s, { message: built?.message, headers, body, messageId: id });
  headers = mime.headers;
  if (mime.verdict === 'discard') {
    s.recipients = [];
    blackholedBy = 'MIME';
  } else if (mime.verdict !== 'accept') {
    s.sendLines(mime.lines);
    if (mime.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  const prdr = await runPrdr(s, { message: built?.message, headers, body, messageId: id });
  if (prdr.noneLeft) return;
  // Exim runs the DATA ACL only for a message that still has recipients (none: all discarded).
  const skipDataAcl = !s.isBatch && s.recipients.length === 0;
  const dataWhere = s.isBatch ? 'not_smtp' : 'data';
  const acl: PhaseOutcome = skipDataAcl
    ? { verdict: 'accept', lines: [], text: '', unset: true }
    : await runPhaseAcl(s, dataWhere, { headers, body, messageId: id, noLog: true });
  // the scan directory goes first, then a rejection is logged (Exim's order, seen in -bh traces)
  await releaseMimeScan(s);
  if (acl.verdict !== 'accept' && acl.verdict !== 'discard') {
    // header changes of the DATA ACL are made before the rejection's reject-log entry lists the headers
    if (built) applyAclHeaders(built.message, s.aclMsg);
    if (acl.result) logRejection(s, dataWhere, acl.verdict, acl.result, { headers: rejectLogHeaders(s, built?.message, headers), messageId: id });
    s.sendLines(acl.lines);
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  const discarded = acl.verdict === 'discard' || s.recipients.length === 0;
  if (s.isHostCheck) {
    // Exim builds the message under -bh too, and prints its "<=" line (S= counts what it added)
    if (built) {
      s.logger.main(arrivalText(s, built.message, built.body, data, prdr.active), { id });
      if (discarded) logBlackhole(s, id, acl.verdict, blackholedBy);
    }
    // with PRDR the final reply is its own, and Exim prints no notice after it
    if (prdr.finalReply) s.send(prdr.finalReply);
    else {
      s.sendLines(acl.lines.length ? acl.lines : [`250 OK id=${id}`]);
      s.notice('');
      s.notice('**** SMTP testing: that is not a real message id!');
      s.notice('');
    }
    s.messagesReceived++;
    s.hostCheckMessageId = id;
    return;
  }
  if (!discarded && built) {
    const controls = s.aclMsg.controls;
    try {
      const m = built.message;
      applyAclHeaders(m, s.aclMsg);
      m.dsnEnvid = s.mailParams.envid;
      m.dsnRet = s.mailParams.ret;
      m.smtputf8 = s.mailParams.smtputf8;
      // The HELO name came from the client, also on -bs: Exim marks it tainted ("--helo_name").
      const tainted: string[] = [];
      if (m.heloName !== undefined) tainted.push('helo_name');
      if (m.authId !== undefined && s.authenticatedIdTainted) tainted.push('auth_id');
      if (s.conn.addressesFromCommandLine) {
        if (m.hostAddress !== undefined) tainted.push('host_address');
        if (m.interfaceAddress !== undefined) tainted.push('interface_address');
      }
      m.taintedItems = tainted;
      // A fake rejection must not bounce to a sender who was told "rejected": Exim sets NOTIFY=NEVER.
      if (controls.fakeReject !== undefined || controls.fakeDefer !== undefined) {
        m.recipients = m.recipients.map((r) => ({ ...r, dsnNotify: 'NEVER' }));
      }
      if (s.aclMsg.queue) m.queueName = s.aclMsg.queue;
      // Exim stamps -frozen with the message's arrival time
      if (controls.freeze) m.frozenAt = m.receivedTime || Math.floor(s.now() / 1000);
      for (const [k, v] of s.ctx.vars) {
        // ACL variables hold expander text; the spool model keeps byte strings
        if (k.startsWith('acl_c')) m.aclC.set(k.slice(5), { value: textToBytes(v.value), tainted: v.tainted });
        else if (k.startsWith('acl_m')) m.aclM.set(k.slice(5), { value: textToBytes(v.value), tainted: v.tainted });
      }
      Object.assign(m, savedSpamVariables(s.ctx.vars));
      const body8 = s.mailParams.body === '8BITMIME' ? 8 : s.mailParams.body === '7BIT' ? 7 : 0;
      await s.services.receiver!.commit(m, built.body, {
        chunking: data.chunked, body8bitmime: body8,
        pipelining: { advertised: s.advertised.pipelining, used: s.pipeliningUsed, earlyAdvertised: s.advertised.pipeConnect },
        fakeReject: controls.fakeReject !== undefined, prdr: prdr.active,
        dkim: messageDkim(s.aclMsg)?.arrivalDomain, arc: messageArc(s.aclMsg)?.state === 'pass', proxyLocalAddress: proxyLogAddress(s),
      });
      afterArrivalLines(s, id);
    } catch (e) {
      s.logger.panic(`failed to queue message from <${sender}> ${peerText(s)}: ${e instanceof Error ? e.message : String(e)}`, { id });
      s.send(`451 ${REPLY.temporaryProblem}`);
      return;
    }
  } else {
    // S= counts the message as built (Received: included), as for a kept one
    s.logger.main(built ? arrivalText(s, built.message, built.body, data, prdr.active) : `<= ${sender || '<>'} ${peerText(s)} P=${s.protocolName()} S=${raw.length}`, { id });
    logBlackhole(s, id, acl.verdict, blackholedBy);
  }
  s.messagesReceived++;
  // BDAT LAST: Exim acknowledges the last chunk on a continuation line before the message's reply.
  // (not before PRDR's final reply, which Exim sends alone)
  if (data.lastChunk && !prdr.finalReply) s.send(`250- ${data.lastChunk.size} byte chunk, total ${data.lastChunk.total}`);
  s.sendLines(fakeReply(s) ?? (prdr.finalReply ? [prdr.finalReply] : acl.lines.length ? acl.lines : [`250 OK id=${id}`]));
}

/** A discarded message's lines after its "<=" line. */
function logBlackhole(s: SmtpSession, id: string, verdict: string, by?: string): void {
  s.logger.main(`=> blackhole (${by ?? (verdict === 'discard' ? 'DATA' : s.mailDiscarded ? 'MAIL' : 'RCPT')} ACL discarded recipients)`, { id });
  s.logger.main('Completed', { id });
}

/** The "<=" line of a message that is not spooled through src/receive (-bh, discarded). */
function arrivalText(s: SmtpSession, m: Message, body: Buffer, data: ReceivedData, prdr = false): string {
  applyAclHeaders(m, s.aclMsg);
  const created = m.headers.some((h) => h.flag === 'I' && h.text.includes(`<E${m.id}`));
  const body8 = s.mailParams.body === '8BITMIME' ? 8 : s.mailParams.body === '7BIT' ? 7 : 0;
  return formatArrival(m, s.logger.selector as never, {
    bodyLength: body.length, messageIdCreated: created, chunking: data.chunked, body8bitmime: body8,
    pipelining: { advertised: s.advertised.pipelining, used: s.pipeliningUsed, earlyAdvertised: s.advertised.pipeConnect },
    prdr,
    dkim: messageDkim(s.aclMsg)?.arrivalDomain,
    arc: messageArc(s.aclMsg)?.state === 'pass',
    proxyLocalAddress: proxyLogAddress(s),
  });
}

/**
 * control = fakereject / fakedefer: the message is kept, but the client is
 * told 550 / 450 with the control's text (split at 75 characters, as Exim
 * splits ACL messages).
 */
function fakeReply(s: SmtpSession): string[] | undefined {
  const c = s.aclMsg.controls;
  const text = c.fakeReject ?? c.fakeDefer;
  if (text === undefined) return undefined;
  const lines = textToBytes(splitMessage(text));
  return replyLines(c.fakeReject !== undefined ? '550' : '450', s.aclConn.controls.noMultilineResponses ? lines.split('\n')[0] : lines);
}

/** Main-log and message-log lines that follow the "<=" line: a freeze, a queue-only decision. */
function afterArrivalLines(s: SmtpSession, id: string): void {
  const c = s.aclMsg.controls;
  const lines: string[] = [];
  if (c.freeze) lines.push('frozen by ACL');
  if (c.queue) lines.push('no immediate delivery: queued by ACL');
  for (const l of lines) {
    s.logger.main(l, { id });
    s.logger.messageLog?.(id, l);
  }
}

/**
 * The input ended in the middle of a message: nothing is kept. Exim's line
 * says how far it got: "(header)" before a whole line, "(after header)"
 * with header lines but no blank line yet, and in the body no suffix but a
 * message id (recorded from exim4 -bs).
 */
function logLostDuringData(s: SmtpSession, received: Buffer[]): void {
  const raw = Buffer.concat(received);
  const { bodyStart } = splitHeaders(raw);
  const inBody = bodyStart > 0 && raw[bodyStart - 1] === 0x0a && (bodyStart === 1 || raw[bodyStart - 2] === 0x0a);
  const where = !raw.includes(0x0a) ? ' (header)' : inBody ? '' : ' (after header)';
  const text = `SMTP connection from ${hostAndIdent(s.peer(), s.logger.selector as never, false)} lost while reading message data${where}`;
  s.logger.main(text, inBody ? { id: s.services.newMessageId?.() ?? newMessageId().id } : undefined);
}

/** Log the loss, say so (a batch stops here with this as its error), end the session. */
export function lostDuringData(s: SmtpSession, received: Buffer[] = []): never {
  logLostDuringData(s, received);
  s.send(REPLY.lostDuringData);
  throw new SessionEnd('lost');
}
