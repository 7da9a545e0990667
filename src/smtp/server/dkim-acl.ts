// End of DATA, before the MIME and DATA ACLs (Exim's order): verify the
// message's DKIM signatures and run acl_smtp_dkim once for each item of
// dkim_verify_signers (default $dkim_signers), once per matching signature,
// or once with status "none" when the item has no signature. Afterwards
// $dkim_verify_status holds the status after each run, colon-separated.
// A run that does not accept ends the message, logged as "rejected DKIM".
// control = dkim_disable_verify (set before DATA) turns all of this off.
//
// Also here, because this is where each message's checks start: the SPF and
// DMARC variables of an earlier message in the connection are forgotten.

import type { PhaseOutcome } from './acl-phase.ts';
import { runPhaseAcl } from './acl-phase.ts';
import type { SmtpSession } from './session.ts';
import { optBool, optString } from './options.ts';
import { formatAclRejection } from '../../log/index.ts';
import { splitList } from '../../lists/index.ts';
import { verifyDkim, verifyReason, parseMinKeySizes, type DkimSignature } from '../../dkim/verify.ts';
import { dkimAuthResult, dkimLogLine, keyImportFailure } from '../../dkim/report.ts';
import { clearDkimVariables, setSignerVariables, signersList } from '../../dkim/variables.ts';
import { messageDkim, setMessageDkim, signerMatches } from '../../dkim/message-state.ts';
import { messageSpfOutcome } from '../../spf/condition.ts';
import { setAuthResultsPart } from '../../dmarc/auth-results.ts';
import { DMARC_VARIABLES } from '../../dmarc/condition.ts';
import { ARC_VARIABLES, rememberReceivedMessage } from '../../arc/condition.ts';

export interface DkimPhaseInput {
  /** The message as received (headers, blank line, body), before tern added anything. */
  raw: Buffer;
  /** Header lines for the ACL (as the DATA ACL sees them). */
  headers: string[];
  body: Buffer;
  messageId: string;
}

const ACCEPT: PhaseOutcome = { verdict: 'accept', lines: [], text: '', unset: true };
const SPF_VARIABLES = ['spf_result', 'spf_header_comment', 'spf_received', 'spf_smtp_comment', 'spf_result_guessed'];

function forgetEarlierMessage(s: SmtpSession): void {
  clearDkimVariables(s.ctx);
  for (const n of [...DMARC_VARIABLES, ...ARC_VARIABLES]) s.ctx.vars.delete(n);
  setAuthResultsPart(s.ctx, 'arc', '');
  setAuthResultsPart(s.ctx, 'dkim', '');
  setAuthResultsPart(s.ctx, 'dmarc', '');
  if (!messageSpfOutcome(s.aclMsg)) {
    for (const n of SPF_VARIABLES) s.ctx.vars.delete(n);
    setAuthResultsPart(s.ctx, 'spf', '');
  }
}

function listOption(s: SmtpSession, name: string, dflt: string): string[] {
  return splitList(optString(s.config, name) ?? dflt).map((x) => x.trim().toLowerCase()).filter((x) => x);
}

/**
 * One log line per signature under +dkim_verbose, with the ACL's status when it
 * changed ours; the first one to pass names the domain for the "<=" line.
 */
function logSignature(s: SmtpSession, sig: DkimSignature, id: string, after?: { status: string; reason: string }): void {
  const state = messageDkim(s.aclMsg);
  if (state && state.arrivalDomain === undefined && (after?.status ?? sig.status) === 'pass') state.arrivalDomain = sig.domain;
  if (!s.logger.selector?.has('dkim_verbose')) return;
  const changed = after && (after.status !== sig.status || after.reason !== verifyReason(sig));
  s.logger.main(dkimLogLine(sig, changed ? after : undefined), { id });
}

/** Exim's "H=... rejected DKIM : reason" (no F=, as Exim logs it). */
function logRefusal(s: SmtpSession, outcome: PhaseOutcome, input: DkimPhaseInput): void {
  const r = outcome.result;
  if (!r || (r.logTargets && r.logTargets.length === 0)) return;
  const line = formatAclRejection({
    peer: s.peer(), where: 'dkim', commandData: '', temporary: outcome.verdict === 'defer' || outcome.verdict === 'error',
    logMessage: (r.logMessage ?? r.userMessage)?.split('\n')[0],
  }, s.logger.selector as never);
  s.logger.reject(line, { id: input.messageId, headers: input.headers });
}

export async function runDkimAcl(s: SmtpSession, input: DkimPhaseInput): Promise<PhaseOutcome> {
  forgetEarlierMessage(s);
  rememberReceivedMessage(s.aclMsg, input.raw);
  if (s.isBatch || s.aclMsg.controls.dkimDisableVerify || s.aclConn.controls.dkimDisableVerify) return ACCEPT;
  const sigs = await verifyDkim(input.raw, input.headers, {
    hashes: listOption(s, 'dkim_verify_hashes', 'sha256:sha512'),
    keytypes: listOption(s, 'dkim_verify_keytypes', 'ed25519:rsa'),
    minKeySizes: parseMinKeySizes(optString(s.config, 'dkim_verify_min_keysizes') ?? 'rsa=1024 ed25519=250'),
    minimal: optBool(s.config, 'dkim_verify_minimal'),
  });
  setMessageDkim(s.aclMsg, { signatures: sigs });
  // Exim logs a key it could not get when it tries to, whatever the log selector
  for (const sig of sigs) {
    if (sig.problem === 'pubkey_unavailable' || sig.problem === 'pubkey_dns_syntax') s.logger.main(keyImportFailure(sig), { id: input.messageId });
  }
  s.ctx.vars.set('dkim_signers', { value: signersList(sigs), tainted: true });
  setAuthResultsPart(s.ctx, 'dkim', sigs.map(dkimAuthResult).join('\n'));

  const logged = new Set<DkimSignature>();
  const finish = (): void => {
    for (const sig of sigs) if (!logged.has(sig)) logSignature(s, sig, input.messageId);
  };
  if (optString(s.config, 'acl_smtp_dkim') === undefined) {
    finish();
    return ACCEPT;
  }
  let signers: string;
  try {
    signers = (await s.expandOption('dkim_verify_signers')) ?? '';
  } catch (e) {
    s.logger.panic(`expansion of dkim_verify_signers option failed: ${e instanceof Error ? e.message : String(e)}`, { id: input.messageId, mainToo: true });
    finish();
    return ACCEPT;
  }

  const statuses: string[] = [];
  const seen = new Set<string>();
  let outcome: PhaseOutcome = ACCEPT;
  const runFor = async (signer: string, sig: DkimSignature | undefined): Promise<boolean> => {
    setSignerVariables(s.ctx, signer, sig);
    outcome = await runPhaseAcl(s, 'dkim', { headers: input.headers, body: input.body, messageId: input.messageId, noLog: true });
    const status = s.ctx.vars.get('dkim_verify_status')?.value ?? '';
    if (sig) {
      logSignature(s, sig, input.messageId, { status, reason: s.ctx.vars.get('dkim_verify_reason')?.value ?? '' });
      logged.add(sig);
    }
    statuses.push(status);
    return outcome.verdict === 'accept';
  };
  outer: for (const signer of splitList(signers)) {
    if (!signer || seen.has(signer)) continue;
    seen.add(signer);
    const matching = sigs.filter((sig) => signerMatches(signer, sig));
    if (matching.length === 0) {
      if (!(await runFor(signer, undefined))) break;
      continue;
    }
    for (const sig of matching) if (!(await runFor(signer, sig))) break outer;
  }
  finish();
  s.ctx.vars.set('dkim_verify_status', { value: statuses.join(':'), tainted: false });
  if (outcome.verdict === 'discard') {
    // Exim drops every recipient; the MIME and DATA ACLs then do not run
    s.recipients = [];
    return outcome;
  }
  if (outcome.verdict !== 'accept') logRefusal(s, outcome, input);
  return outcome;
}
