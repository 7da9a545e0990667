// Running the ACL of one SMTP phase and turning its verdict into Exim's
// reply and log line. The engine itself is src/acl (runAcl); this file
// knows which option names the ACL, what an unset option means, the
// default reply texts, and how a `message =` carrying its own code is used.

import { refreshHostVars } from './host-vars.ts';
import type { AclContext, AclResult, AclVerdict, AclWhere } from '../../acl/types.ts';
import { formatAclRejection, hostAndIdent } from '../../log/index.ts';
import { addressVerifyHooks } from '../../verify/index.ts';
import { senderFailureDetails } from '../../verify/sender-report.ts';
import { REPLY, replyLines } from './replies.ts';
import { byteStringToText } from '../../expand/operators/bytes.ts';
import { textToBytes } from './log-text.ts';
import type { SmtpSession } from './session.ts';

const OPTION: Partial<Record<AclWhere, string>> = {
  connect: 'acl_smtp_connect', helo: 'acl_smtp_helo', mail: 'acl_smtp_mail', mailauth: 'acl_smtp_mailauth',
  rcpt: 'acl_smtp_rcpt', predata: 'acl_smtp_predata', data: 'acl_smtp_data', mime: 'acl_smtp_mime',
  dkim: 'acl_smtp_dkim', prdr: 'acl_smtp_data_prdr', auth: 'acl_smtp_auth', starttls: 'acl_smtp_starttls',
  etrn: 'acl_smtp_etrn', atrn: 'acl_smtp_atrn', expn: 'acl_smtp_expn', vrfy: 'acl_smtp_vrfy',
  quit: 'acl_smtp_quit', notquit: 'acl_smtp_notquit', wellknown: 'acl_smtp_wellknown', not_smtp: 'acl_not_smtp',
  not_smtp_mime: 'acl_not_smtp_mime',
};

/** With no ACL set, these phases refuse (RCPT, and the commands that need an ACL to be allowed). */
const DENY_WHEN_UNSET = new Set<AclWhere>(['rcpt', 'vrfy', 'expn', 'etrn', 'atrn', 'wellknown']);

export interface PhaseOutcome {
  verdict: AclVerdict;
  /** The reply lines for a non-accept verdict (or an accept with a message). */
  lines: string[];
  /** The message's own text (without code), for "All RCPT commands were rejected with this error". */
  text: string;
  result?: AclResult;
  /** The ACL option was unset. */
  unset: boolean;
}

export interface PhaseOptions {
  /** The command's argument as logged ("rejected MAIL <x>"). */
  commandData?: string;
  recipient?: string;
  headers?: string[];
  body?: Buffer | string;
  messageId?: string;
  /** Do not log a rejection (the caller logs its own line). */
  noLog?: boolean;
  /** The MIME ACL's current part (src/mime). */
  mimePart?: AclContext['mimePart'];
}

/** The engine's texts are expander text; replies and log lines are built from byte strings here. */
function wireTexts(r: AclResult): AclResult {
  if (r.userMessage === undefined && r.logMessage === undefined) return r;
  return {
    ...r,
    userMessage: r.userMessage === undefined ? undefined : textToBytes(r.userMessage),
    logMessage: r.logMessage === undefined ? undefined : textToBytes(r.logMessage),
  };
}

/**
 * A code at the start of `message` ("550 ", or with an enhanced status code
 * "550 5.7.1 ") replaces the default; only whitespace may follow the digits,
 * so "550-text" is text. The first digit must be the default's (else Exim
 * panic-logs it and uses the default without the enhanced code), except for
 * VRFY, where any code is taken (`checkClass` false). An enhanced code is
 * repeated on every line of the reply (`esc`).
 */
export function splitCode(message: string, dflt: string, checkClass = true): { code: string; esc: string; text: string; wrongClass?: boolean } {
  const m = /^(\d\d\d)[ \t\n\v\f\r](\d\.\d\d?\d?\.\d\d?\d?[ \t\n\v\f\r])?/.exec(message);
  if (!m) return { code: dflt, esc: '', text: message };
  const text = message.slice(m[0].length);
  if (!checkClass || m[1][0] === dflt[0]) return { code: m[1], esc: m[2] ?? '', text };
  return { code: dflt, esc: '', text, wrongClass: true };
}

function defaultCode(where: AclWhere, verdict: AclVerdict): string {
  if (verdict === 'defer' || verdict === 'error') return where === 'etrn' ? '458' : '451';
  if (where === 'vrfy') return '252';
  return '550';
}

export function aclContextFor(s: SmtpSession, opts: PhaseOptions): AclContext {
  return withSessionHooks(s, {
    config: s.config,
    expand: s.ctx,
    logger: s.logger,
    conn: s.aclConn,
    msg: s.aclMsg,
    recipient: opts.recipient === undefined ? undefined : byteStringToText(opts.recipient),
    headers: opts.headers,
    body: opts.body,
    trace: s.services.trace ? (line: string) => s.trace(line) : undefined,
    messageId: opts.messageId,
    mimePart: opts.mimePart,
    hostChecking: s.isHostCheck,
    now: s.services.now,
    // verify = sender/recipient: routing in verify mode; sender results cached per message.
    verify: addressVerifyHooks({
      config: s.config, ctx: s.ctx, cacheScope: s.aclMsg,
      // -bh skips callouts (saying so); -bhc makes them
      omitCallouts: s.isHostCheck && !s.services.hostCheckCallouts,
      trace: s.services.trace ? (line: string) => s.trace(line) : undefined,
      log: (line: string) => s.logger.main(line),
    }),
  });
}

/**
 * The session's side of `delay =` and of callouts: pending replies are
 * flushed first (unless no_delay_flush / no_callout_flush), so that a
 * pipelining client is not left waiting for answers it is owed.
 */
function withSessionHooks(s: SmtpSession, actx: AclContext): AclContext {
  actx.delay = (ms, o) => sessionDelay(s, ms, o.flush);
  const verify = actx.verify;
  const address = verify?.address;
  if (verify && address) {
    actx.verify = {
      ...verify,
      address: (addr, kind, options) => {
        if (options.callout && !s.aclConn.controls.noCalloutFlush) s.flush();
        return address.call(verify, addr, kind, options);
      },
    };
  }
  return actx;
}

/** delay = in an ACL: a client that hangs up ends the wait (its loss is logged when the session reads next). */
export async function sessionDelay(s: SmtpSession, ms: number, flush: boolean): Promise<void> {
  if (flush) s.flush();
  if (s.conn.kind === 'tcp') await s.input.sleepUnlessEnded(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Messages whose client has been told the details of a failed sender verification. */
const senderFailureTold = new WeakSet<object>();

export async function runPhaseAcl(s: SmtpSession, where: AclWhere, opts: PhaseOptions = {}): Promise<PhaseOutcome> {
  const optName = OPTION[where];
  let spec: string | undefined;
  // -bS runs only the non-SMTP ACL (spec "Incoming batched SMTP").
  if (s.isBatch && where !== 'not_smtp' && where !== 'not_smtp_mime') return { verdict: 'accept', lines: [], text: '', unset: true };
  refreshHostVars(s);
  if (optName) spec = await s.expandOption(optName);
  let result: AclResult;
  let unset = false;
  if (spec === undefined) {
    unset = true;
    result = { verdict: DENY_WHEN_UNSET.has(where) ? 'deny' : 'accept' };
    // Exim consults these ACLs even when unset, and says so in the -bh trace.
    if (result.verdict === 'deny') s.trace('ACL is NULL: implicit DENY');
  } else {
    if (!s.services.acl) throw new Error(`the ACL engine (src/acl) is needed for ${optName} and is not available`);
    result = wireTexts(await s.services.acl(spec, where, aclContextFor(s, opts)));
  }
  const verdict = result.verdict;
  // QUIT and not-QUIT cannot refuse: the caller uses the message as it is
  if (where === 'quit' || where === 'notquit') return { verdict, lines: [], text: '', result, unset };
  if (verdict === 'accept' || verdict === 'discard') {
    if (!result.userMessage) return { verdict, lines: [], text: '', result, unset };
    // an accepting message may carry its own 2xx code, checked as a rejection's is
    const ok = splitCode(result.userMessage, where === 'vrfy' ? '252' : '250', where !== 'vrfy');
    if (ok.wrongClass) s.logger.panic(`configured error code starts with incorrect digit (expected 2) in "${result.userMessage}"`, { mainToo: true });
    return { verdict, lines: replyLines(ok.code, ok.text, ok.esc), text: ok.text, result, unset };
  }
  const dflt = defaultCode(where, verdict);
  const dfltText = verdict === 'defer' || verdict === 'error' ? REPLY.temporaryProblem : REPLY.adminProhibition;
  const { code, esc, text, wrongClass } = splitCode(result.userMessage ?? dfltText, dflt, where !== 'vrfy');
  // Exim rewrites the message with the default code, and the log shows that too.
  if (wrongClass && (result.logMessage ?? result.userMessage) === result.userMessage) result = { ...result, logMessage: `${dflt} ${text}` };
  if (wrongClass) s.logger.panic(`configured error code starts with incorrect digit (expected ${dflt[0]}) in "${result.userMessage}"`, { mainToo: true });
  let lines = replyLines(code, s.aclConn.controls.noMultilineResponses ? text.split('\n')[0] : text, esc);
  const svf = result.senderVerifyFailure;
  const logSvf = svf && (svf.defer || (s.logger.selector?.has('sender_verify_fail') ?? true));
  // Told once per failed verification (a per-message cached result is the same one; each callout is new).
  const told = svf?.source ?? s.aclMsg;
  if (svf && logSvf && (verdict === 'deny' || verdict === 'defer') && !opts.noLog && !senderFailureTold.has(told)) {
    // The reason a sender failed goes to the log once, before the rejection itself.
    const detail = svf.logDetail === undefined ? '' : `: ${svf.logDetail}`;
    s.logger.reject(`${hostAndIdent(s.peer(), s.logger.selector as never, true)} sender verify ${svf.defer ? 'defer' : 'fail'} for <${svf.address}>${detail}`, { id: opts.messageId });
  }
  if (svf && verdict === 'deny' && !svf.noDetails && !s.aclConn.controls.noMultilineResponses && !senderFailureTold.has(told)) {
    // Exim tells the client once per message why the sender failed (section "Sender address verification reporting").
    senderFailureTold.add(told);
    const details = senderFailureDetails(svf.address, svf.userMessage ?? svf.message, svf.kind);
    lines = [...replyLines(code, details, esc).map((l) => l.replace(/^(\d{3}) /, '$1-')), ...lines];
  }
  if (!opts.noLog) logRejection(s, where, verdict, result, opts);
  return { verdict, lines, text, result, unset };
}

/** "H=... rejected RCPT <x>: reason" to the main and reject logs. */
export function logRejection(s: SmtpSession, where: AclWhere, verdict: AclVerdict, result: AclResult, opts: PhaseOptions): void {
  const sel = s.logger.selector;
  const reason = (result.logMessage ?? result.userMessage)?.split('\n')[0];
  let line: string;
  if (where === 'not_smtp') {
    line = `F=<${s.sender ?? ''}> ${verdict === 'defer' ? 'temporarily ' : ''}rejected by non-SMTP ACL${reason ? `: ${reason}` : ''}`;
  } else {
    line = formatAclRejection({
      peer: s.peer(), where: where as never, commandData: opts.commandData,
      sender: where === 'mail' || where === 'connect' ? undefined : s.sender,
      temporary: verdict === 'defer' || verdict === 'error', logMessage: reason,
    }, sel as never);
  }
  const targets = result.logTargets;
  if (targets && targets.length === 0) return;
  s.logger.reject(line, { id: opts.messageId, headers: where === 'not_smtp' || where === 'data' || where === 'mime' ? opts.headers : undefined });
}
