// MAIL FROM: the sender and its ESMTP parameters (SIZE, BODY, RET, ENVID,
// AUTH, SMTPUTF8, PRDR), then the MAIL ACL.

import { extractAddress } from '../../expand/operators/address.ts';
import { textToByteString } from '../../expand/operators/bytes.ts';
import { rewriteSmtpData } from '../../rewrite/index.ts';
import { mailAuthAllowed } from '../../auth/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countProtocolError, countSyntaxError } from './errors.ts';
import { messageSizeLimit } from './helo.ts';
import { decodeXtext, splitParams } from './params.ts';
import { REPLY } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';
import { takeDelay } from './rate-limit.ts';
import { hostAndIdent } from '../../log/index.ts';
import { optBool, optString } from './options.ts';
import { refuseTooSoon, sentTooSoon } from './sync.ts';

/** Split "FROM:<x> params" after the verb; undefined when the keyword is missing. */
export function afterKeyword(arg: string, keyword: 'FROM:' | 'TO:'): string | undefined {
  if (arg.slice(0, keyword.length).toUpperCase() !== keyword) return undefined;
  return arg.slice(keyword.length).replace(/^[ \t]+/, '');
}

function knownMailParams(s: SmtpSession): Set<string> {
  const k = new Set<string>();
  if (!s.esmtp) return k;
  k.add('SIZE');
  if (s.advertised.eightBitMime) k.add('BODY');
  // Exim 4.98 takes RET and ENVID even when DSN was not advertised.
  k.add('RET');
  k.add('ENVID');
  if (s.advertised.auth.length > 0 || s.authenticatedBy) k.add('AUTH');
  if (s.advertised.smtputf8) k.add('SMTPUTF8');
  if (s.advertised.prdr) k.add('PRDR');
  return k;
}

/**
 * SIZE= as Exim reads it (strtoul, capped at INT_MAX): a negative number wraps round to the cap;
 * anything but digits after an optional sign is unusable (undefined).
 */
function sizeValue(v: string | undefined): number | undefined {
  const m = /^[ \t]*([+-]?)(\d+)$/.exec(v ?? '');
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === '-' && n !== 0 ? 2147483647 : Math.min(n, 2147483647);
}

/** MAIL parameters that take a value. */
const NEED_VALUE: ReadonlySet<string> = new Set(['SIZE', 'BODY', 'AUTH', 'RET', 'ENVID']);

export const LITERALS_NOT_ALLOWED = 'domain literals not allowed';

/**
 * An address in <...> whose domain is a [literal] while allow_domain_literals is off: Exim's parser
 * refuses it (a bare x@[127.0.0.1] it lets through, as exim4 4.98 shows).
 */
export function isRefusedLiteral(s: SmtpSession, addrText: string, parsed: { address: string; domainStart: number }): boolean {
  return addrText.includes('<') && parsed.domainStart > 0 && parsed.address[parsed.domainStart] === '[' && !optBool(s.config, 'allow_domain_literals');
}

export async function mailCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  s.mailCount++;
  // until it is accepted: RCPTs pipelined after a refused MAIL are no protocol errors (rcpt.ts)
  s.cmdFlags.rejectedMail = true;
  if (!s.heloSeen && !s.isBatch && (await s.hostInList('helo_verify_hosts') || await s.hostInList('hosts_require_helo'))) {
    // Exim logs this refusal as a rejection; it still counts as a protocol error
    s.send(REPLY.heloRequired);
    s.logger.reject(`rejected MAIL from ${hostAndIdent(s.peer(), s.logger.selector as never, false)}: no HELO/EHLO given`);
    await countProtocolError(s, line, 'HELO or EHLO required');
    return;
  }
  if (s.sender !== undefined) {
    s.send(REPLY.senderAlreadyGiven);
    await countProtocolError(s, line, 'MAIL command when sender already given');
    return;
  }
  if (s.rateLimits.mail) await s.pause(takeDelay(s.rateLimits.mail, s.mailCount));
  const rest = afterKeyword(arg, 'FROM:');
  if (rest === undefined || rest === '') {
    // (a line without "FROM:" is an unknown command: server.ts)
    s.send('501 MAIL must have an address operand');
    await countProtocolError(s, line, 'MAIL must have an address operand');
    return;
  }
  const { address: commandData, params } = splitParams(rest, knownMailParams(s), NEED_VALUE, (p) => p.name === 'SIZE' && sizeValue(p.value ?? p.name) === undefined);
  // S rewrite rules see the command's data before anything else does
  const addrText = rewriteSmtpData(commandData, s.config.rewrite, s.ctx, (l) => s.logger.main(l),
    s.logger.selector.has('address_rewrite') ? (l) => s.logger.main(l) : undefined);
  const mp = s.mailParams;
  let sawRet = false;
  let sawEnvid = false;
  // last first, as Exim takes them off the end of the line; a bare word is its own value (Exim's
  // extract_option), so "NOTIFY" or "BODY" alone is an invalid value
  for (const p of [...params].reverse()) {
    switch (p.name) {
      case 'SIZE': mp.size = sizeValue(p.value ?? p.name) ?? 0; break;
      case 'BODY': {
        const v = (p.value ?? p.name).toUpperCase();
        if (v !== '7BIT' && v !== '8BITMIME') { s.send(REPLY.invalidBody); await countSyntaxError(s, line, 'invalid data for BODY'); return; }
        mp.body = v;
        break;
      }
      case 'RET': {
        if (sawRet) { s.send(REPLY.retOnce); await countSyntaxError(s, line, 'RET can be specified once only'); return; }
        const v = (p.value ?? p.name).toUpperCase();
        if (v !== 'FULL' && v !== 'HDRS') { s.send(REPLY.retInvalid); await countSyntaxError(s, line, 'Value for RET is invalid'); return; }
        mp.ret = v;
        sawRet = true;
        break;
      }
      case 'ENVID': {
        if (sawEnvid) { s.send(REPLY.envidOnce); await countSyntaxError(s, line, 'ENVID can be specified once only'); return; }
        // kept in xtext form, as Exim spools and relays it (unchecked, as Exim 4.98)
        mp.envid = p.value ?? p.name;
        sawEnvid = true;
        break;
      }
      case 'SMTPUTF8': mp.smtputf8 = true; break;
      case 'PRDR': mp.prdr = true; break;
      case 'AUTH': {
        if (p.value === '<>') break;
        const v = decodeXtext(p.value ?? p.name);
        if (v === undefined) { s.send('501 invalid data for AUTH'); await countSyntaxError(s, line, 'invalid data for AUTH'); return; }
        if (s.authenticatedBy && await mailAuthAllowed(s.authenticatedBy, s.ctx)) mp.authSender = v;
        break;
      }
    }
  }
  const parsed = extractAddress(addrText, true);
  if ('error' in parsed) {
    // a batch reports the parser's text alone (Exim 4.98 -bS)
    s.send(s.isBatch ? `501 ${parsed.error}` : `501 ${addrText}: ${parsed.error}`);
    await countSyntaxError(s, line, parsed.error);
    return;
  }
  if (isRefusedLiteral(s, addrText, parsed)) {
    s.send(s.isBatch ? `501 ${LITERALS_NOT_ALLOWED}` : `501 ${addrText}: ${LITERALS_NOT_ALLOWED}`);
    await countSyntaxError(s, line, LITERALS_NOT_ALLOWED);
    return;
  }
  // the size before the sender's domain, as Exim checks them
  const limit = await messageSizeLimit(s);
  if (limit > 0 && mp.size !== undefined && mp.size > limit) {
    s.send(REPLY.sizeExceeded);
    s.logger.reject(`rejected MAIL FROM:${rest} ${peerText(s)}: message too big: size${mp.size === 2147483647 ? '>' : ''}=${mp.size} max=${limit}`);
    s.mailParams = { smtputf8: false, prdr: false };
    return;
  }
  let sender = parsed.address;
  if (sender !== '' && parsed.domainStart === 0) {
    if (s.isLocal || await s.hostInList('sender_unqualified_hosts')) {
      sender += '@' + (s.ctx.options?.get('qualify_domain') || s.ctx.options?.get('primary_hostname') || '');
    } else {
      s.send(`501 ${addrText}: sender address must contain a domain`);
      await countSyntaxError(s, line, 'sender address must contain a domain');
      return;
    }
  }
  // A local caller who is not trusted cannot choose the envelope sender (Exim's -bs rule).
  if (s.isLocal && !s.conn.caller.trusted && sender !== '') {
    sender = `${s.conn.caller.login}@${s.ctx.options?.get('qualify_domain') || s.ctx.options?.get('primary_hostname') || ''}`;
  }
  setSenderVars(s, sender);
  if (mp.authSender !== undefined) setVar(s.ctx, 'authenticated_sender', mp.authSender, true);
  setVar(s.ctx, 'prdr_requested', mp.prdr ? 'yes' : 'no');
  const acl = await runPhaseAcl(s, 'mail', { commandData: addrText });
  if (acl.verdict === 'accept' && optString(s.config, 'acl_smtp_mail') && !s.advertised.pipelining && sentTooSoon(s)) refuseTooSoon(s, line);
  if (acl.verdict === 'accept' || acl.verdict === 'discard') {
    // a sender verified in the ACL was rewritten for it and stays so
    s.sender = s.aclMsg.senderRewritten !== undefined ? textToByteString(s.aclMsg.senderRewritten) : sender;
    s.cmdFlags.rejectedMail = false;
    s.mailSeen = true;
    s.mailDiscarded = acl.verdict === 'discard';
    s.sendLines(acl.lines.length ? acl.lines : [mp.prdr ? '250 OK, PRDR Requested' : REPLY.ok]);
    return;
  }
  s.ctx.vars.delete('sender_address');
  s.mailParams = { smtputf8: false, prdr: false };
  s.sendLines(acl.lines);
  if (acl.verdict === 'drop') throw new SessionEnd('drop');
}

function peerText(s: SmtpSession): string {
  const p = s.peer();
  if (p.address === undefined) return `U=${p.ident ?? 'unknown'}`;
  return `H=${p.heloName ? `(${p.heloName}) ` : ''}[${p.address}]`;
}

export function setSenderVars(s: SmtpSession, sender: string): void {
  setVar(s.ctx, 'sender_address', sender, true);
  const at = sender.lastIndexOf('@');
  setVar(s.ctx, 'sender_address_local_part', at >= 0 ? sender.slice(0, at) : sender, true);
  setVar(s.ctx, 'sender_address_domain', at >= 0 ? sender.slice(at + 1) : '', true);
}
