// RCPT TO: the recipient, NOTIFY= and ORCPT= (DSN), recipients_max, then
// the RCPT ACL, whose verdict decides this recipient alone.

import { extractAddress } from '../../expand/operators/address.ts';
import { textToByteString } from '../../expand/operators/bytes.ts';
import { rewriteSmtpData } from '../../rewrite/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countProtocolError, countSyntaxError } from './errors.ts';
import { afterKeyword, isRefusedLiteral, LITERALS_NOT_ALLOWED } from './mail.ts';
import { splitParams } from './params.ts';
import { REPLY } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';
import { takeDelay } from './rate-limit.ts';
import { refuseTooSoon, sentTooSoon } from './sync.ts';

const NOTIFY_WORDS = new Set(['SUCCESS', 'FAILURE', 'DELAY']);

/** NOTIFY=NEVER alone, or a list of SUCCESS/FAILURE/DELAY. */
export function validNotify(v: string): boolean {
  // an empty NOTIFY= asks for nothing (Exim accepts it)
  if (v === '') return true;
  const words = v.toUpperCase().split(',');
  if (words.length === 1 && words[0] === 'NEVER') return true;
  return words.every((w) => NOTIFY_WORDS.has(w));
}

/**
 * Remember what a RCPT was answered: when every RCPT of the transaction got
 * the same answer and none was accepted, Exim repeats it in the reply to DATA.
 */
function noteRcptAnswer(s: SmtpSession, answer: string): void {
  if (s.lastRcptRejection === undefined) s.lastRcptRejection = answer;
  else if (s.lastRcptRejection !== answer) s.rcptAnswersDiffer = true;
}

async function recipientsMax(s: SmtpSession): Promise<number> {
  try {
    return Number(await s.expandOption('recipients_max') ?? 0) || 0;
  } catch {
    return 0;
  }
}

export async function rcptCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  if (s.sender === undefined) {
    s.send(REPLY.senderNotGiven);
    noteRcptAnswer(s, REPLY.senderNotGiven);
    if (s.advertised.pipelining && s.prevCmdFlags.rejectedMail) {
      // the client pipelined it after a MAIL it could not yet know was refused
      s.cmdFlags.rejectedMail = true;
      return;
    }
    s.cmdFlags.rcptWithoutSender = true;
    await countProtocolError(s, line, 'RCPT must be preceded by MAIL');
    return;
  }
  const rest = afterKeyword(arg, 'TO:');
  if (rest === undefined || rest === '') {
    // (a line without "TO:" is an unknown command: server.ts)
    noteRcptAnswer(s, '501 RCPT must have an address operand');
    s.send('501 RCPT must have an address operand');
    await countSyntaxError(s, line, 'RCPT must have an address operand');
    return;
  }
  const known = new Set<string>(s.esmtp && s.advertised.dsn ? ['NOTIFY', 'ORCPT'] : []);
  const { address: commandData, params } = splitParams(rest, known);
  // S rewrite rules see the command's data before anything else does
  const addrText = rewriteSmtpData(commandData, s.config.rewrite, s.ctx, (l) => s.logger.main(l),
    s.logger.selector.has('address_rewrite') ? (l) => s.logger.main(l) : undefined);
  let notify: string | undefined;
  let orcpt: string | undefined;
  const refuse = async (text: string): Promise<void> => {
    noteRcptAnswer(s, `501 ${text}`);
    s.send(`501 ${text}`);
    await countSyntaxError(s, line, text);
  };
  // last first, as Exim takes them off the end of the line
  for (const p of [...params].reverse()) {
    if (p.name === 'NOTIFY') {
      if (notify) return refuse('NOTIFY can be specified once only');
      if (!validNotify(p.value ?? p.name)) return refuse('Invalid value for NOTIFY parameter');
      notify = (p.value ?? p.name).toUpperCase() || undefined;
    } else if (p.name === 'ORCPT') {
      if (orcpt !== undefined) return refuse('ORCPT can be specified once only');
      // kept in xtext form ("rfc822;x+40y"), as Exim spools and relays it
      orcpt = p.value ?? p.name;
    }
  }
  const parsed = extractAddress(addrText, false);
  if ('error' in parsed) {
    // a batch reports the parser's text alone (Exim 4.98 -bS)
    const reply = s.isBatch ? `501 ${parsed.error}` : `501 ${addrText}: ${parsed.error}`;
    noteRcptAnswer(s, reply);
    s.send(reply);
    await countSyntaxError(s, line, parsed.error);
    return;
  }
  if (isRefusedLiteral(s, addrText, parsed)) {
    const reply = s.isBatch ? `501 ${LITERALS_NOT_ALLOWED}` : `501 ${addrText}: ${LITERALS_NOT_ALLOWED}`;
    noteRcptAnswer(s, reply);
    s.send(reply);
    await countSyntaxError(s, line, LITERALS_NOT_ALLOWED);
    return;
  }
  let address = parsed.address;
  if (parsed.domainStart === 0) {
    if (address.toLowerCase() === 'postmaster') {
      address += '@' + (s.ctx.options?.get('qualify_recipient') || s.ctx.options?.get('qualify_domain') || s.ctx.options?.get('primary_hostname') || '');
    } else if (s.isLocal || await s.hostInList('recipient_unqualified_hosts')) {
      address += '@' + (s.ctx.options?.get('qualify_recipient') || s.ctx.options?.get('qualify_domain') || s.ctx.options?.get('primary_hostname') || '');
    } else {
      noteRcptAnswer(s, `501 ${addrText}: recipient address must contain a domain`);
      s.send(`501 ${addrText}: recipient address must contain a domain`);
      await countSyntaxError(s, line, 'recipient address must contain a domain');
      return;
    }
  }
  s.rcptCount++;
  setVar(s.ctx, 'rcpt_count', String(s.rcptCount));
  if (s.rateLimits.rcpt) await s.pause(takeDelay(s.rateLimits.rcpt, s.rcptCount));
  const max = await recipientsMax(s);
  if (max > 0 && s.recipients.length >= max) {
    noteRcptAnswer(s, REPLY.tooManyRecipients);
    s.send(REPLY.tooManyRecipients);
    s.rcptDeferCount++;
    return;
  }
  if (s.mailDiscarded) {
    s.logger.main(`${logPeer(s)} F=<${s.sender}> RCPT ${addrText}: discarded by MAIL ACL`);
    s.discardedRecipients = true;
    s.send(REPLY.accepted);
    return;
  }
  const acl = await runPhaseAcl(s, 'rcpt', { commandData: addrText, recipient: address });
  // a sender verified in the RCPT ACL was rewritten for it and stays so
  if (s.aclMsg.senderRewritten !== undefined && s.sender !== undefined) s.sender = textToByteString(s.aclMsg.senderRewritten);
  if (acl.verdict === 'accept' && !s.advertised.pipelining && sentTooSoon(s)) refuseTooSoon(s, line);
  // The address's variables do not outlive its ACL (Exim's PREDATA and DATA ACLs see them empty).
  for (const v of ['local_part', 'domain', 'local_part_data', 'domain_data']) s.ctx.vars.delete(v);
  switch (acl.verdict) {
    case 'accept':
      s.recipients.push({ address, dsnNotify: notify, orcpt });
      setVar(s.ctx, 'recipients_count', String(s.recipients.length));
      s.sendLines(acl.lines.length ? acl.lines : [REPLY.accepted]);
      return;
    case 'discard':
      s.logger.main(`${logPeer(s)} F=<${s.sender}> RCPT ${addrText}: discarded by RCPT ACL`);
      s.discardedRecipients = true;
      s.sendLines(acl.lines.length ? acl.lines : [REPLY.accepted]);
      return;
    default:
      if (acl.verdict === 'defer') s.rcptDeferCount++;
      else s.rcptFailCount++;
      noteRcptAnswer(s, acl.text);
      s.sendLines(acl.lines);
      if (acl.verdict === 'drop') throw new SessionEnd('drop');
  }
}

function logPeer(s: SmtpSession): string {
  const p = s.peer();
  if (p.address === undefined) return `U=${p.ident ?? 'unknown'}`;
  return `H=${p.heloName ? `(${p.heloName}) ` : ''}[${p.address}]`;
}
