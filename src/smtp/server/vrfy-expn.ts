// VRFY and EXPN (spec "SMTP processing", "The VRFY and EXPN commands").
// VRFY routes the address as -bv does (verify mode) and answers 250/451/550;
// EXPN routes it as -bt does, one level deep, and lists a redirection's
// children (553 when it cannot). Both need their ACL to accept first.

import { extractAddress } from '../../expand/operators/address.ts';
import { hostAndIdent } from '../../log/index.ts';
import type { RouteOutcome } from '../../routers/index.ts';
import { routeAddress } from '../../routers/index.ts';
import { verifyAddress } from '../../verify/index.ts';
import { AsyncMemo } from '../../util/suspend.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { REPLY } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

function recipientQualifier(s: SmtpSession): string {
  const o = s.ctx.options;
  return o?.get('qualify_recipient') || o?.get('qualify_domain') || o?.get('primary_hostname') || '';
}

/** Log and answer an ACL that did not accept; true when the command is done. */
function refused(s: SmtpSession, cmd: 'VRFY' | 'EXPN', arg: string, acl: Awaited<ReturnType<typeof runPhaseAcl>>): boolean {
  if (acl.verdict === 'accept') return false;
  const reason = acl.unset ? undefined : (acl.result?.logMessage ?? acl.result?.userMessage)?.split('\n')[0];
  const temp = acl.verdict === 'defer' || acl.verdict === 'error' ? 'temporarily ' : '';
  s.logger.reject(`${hostAndIdent(s.peer(), s.logger.selector as never, true)} ${temp}rejected ${cmd} ${arg}${reason ? `: ${reason}` : ''}`);
  s.sendLines(acl.unset ? [cmd === 'VRFY' ? REPLY.vrfyNoAcl : REPLY.expnNoAcl] : acl.lines);
  if (acl.verdict === 'drop') throw new SessionEnd('drop');
  return true;
}

export async function vrfyCommand(s: SmtpSession, arg: string): Promise<void> {
  setVar(s.ctx, 'smtp_command_argument', arg, true);
  const parsed = extractAddress(arg, false);
  if ('error' in parsed) { s.send(`501 ${parsed.error}`); return; }
  let address = parsed.address;
  if (address === '') { s.send('501 empty address'); return; }
  if (parsed.domainStart === 0) {
    // "postmaster" may come unqualified (RFC 5321), as on RCPT
    if (address.toLowerCase() !== 'postmaster' && !s.isLocal && !(await s.hostInList('recipient_unqualified_hosts'))) {
      s.send(`501 ${arg}: recipient address must contain a domain`);
      return;
    }
    address += '@' + recipientQualifier(s);
  }
  const acl = await runPhaseAcl(s, 'vrfy', { commandData: arg, recipient: address, noLog: true });
  if (refused(s, 'VRFY', arg, acl)) return;
  const trace = s.services.trace ? (line: string) => s.trace(line) : undefined;
  trace?.('>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>');
  const v = await verifyAddress(address, 'recipient', {}, { config: s.config, ctx: s.ctx, trace, log: (l) => s.logger.main(l) });
  if (v.result === 'ok') { s.send(`250 <${address}> is deliverable`); return; }
  // Only the router's message for the client (Exim's user_message) is shown.
  const user = userMessage(v.outcomes, v.result);
  if (v.result === 'defer') {
    s.send(user ? `451 <${address}> ${user}` : `451 Cannot resolve <${address}> at this time`);
    return;
  }
  s.send(user ? `550 <${address}> ${user}` : `550 <${address}> is not deliverable`);
  s.logger.main(`VRFY failed for ${arg} ${hostAndIdent(s.peer(), s.logger.selector as never, true)}`);
}

function userMessage(outcomes: RouteOutcome[], result: 'fail' | 'defer'): string | undefined {
  return outcomes.find((o) => o.result === result)?.userMessage;
}

export async function expnCommand(s: SmtpSession, arg: string): Promise<void> {
  setVar(s.ctx, 'smtp_command_argument', arg, true);
  const acl = await runPhaseAcl(s, 'expn', { commandData: arg, recipient: arg, noLog: true });
  if (refused(s, 'EXPN', arg, acl)) return;
  // EXPN takes its argument as it is (no address parsing), qualified when it has no domain.
  const address = arg.includes('@') ? arg : `${arg}@${recipientQualifier(s)}`;
  const trace = s.services.trace ? (line: string) => s.trace(line) : undefined;
  trace?.('>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>');
  const outcomes = await routeAddress({
    config: s.config,
    ctx: { ...s.ctx, vars: new Map(s.ctx.vars), memo: new AsyncMemo() },
    addressTest: true,
    expn: true,
    trace,
    stopAtRedirect: 'always',
  }, address);
  s.sendLines(expnReply(address, outcomes[0]));
}

/** The reply to EXPN for the top address's routing. */
function expnReply(address: string, o: RouteOutcome | undefined): string[] {
  if (!o || o.result === 'fail') return [`553 ${address} is undeliverable`];
  if (o.result === 'defer') return [`553 ${address} cannot be resolved at this time`];
  if (o.result === 'discard') return [`250 mail to <${address}> is discarded`];
  const children = o.children ?? [];
  if (children.length === 0) return [`250 <${address}>`];
  return children.map((c, i) => `250${i === children.length - 1 ? ' ' : '-'}<${c.address}>`);
}
