// The ACL engine's public face.
//
//   runAcl(spec, where, actx)        run an ACL given by an already expanded option
//                                    value: a configured name, a file (/path) or inline text
//   runAclOption(where, actx)        the same for the acl_smtp_* / acl_not_smtp* option of
//                                    `where`: unset options get the spec's default verdict
//   compileAcls(config)              compile every configured ACL (-bV reports errors)
//   installAclHook(actx)             make ${acl{name}...} in expansions run ACLs
//   splitMessage(text)               Exim's splitting of long SMTP response lines
//   applyHeaderChanges(...)          carry out add_header/remove_header on a header list
//
// Evaluation is synchronous until a condition has to wait (DNS lists, host
// name lookups, address verification, delay, udpsend): then runAcl awaits and
// resumes. ${acl} runs synchronously inside an expansion; what it would wait
// for is fetched by the expansion's own replay (util/suspend.ts).

import { ExpandError, ForcedFail, expandStringWithTaint } from '../expand/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { runAclText } from './engine.ts';
import { withAclArgs } from './conditions.ts';
import { listTracer, newListCache, setListTracer } from '../lists/index.ts';
import { driveAsync, driveSync, setVar, type Rc, type RunState } from './state.ts';
import { logPanic } from './logging.ts';
import { isMessageWhere, WHERE_NAMES } from './tables.ts';
import type { AclContext, AclResult, AclVerdict, AclWhere } from './types.ts';

export type * from './types.ts';
export { newConnectionState, newMessageState } from './types.ts';
export { compileAcls } from './compile.ts';
export { applyHeaderChanges, headerRemoved } from './headers.ts';
import { verifyHelo } from './verify.ts';
export { verifyHelo };
export { DEFAULT_FAKE_RESPONSE } from './controls.ts';
export { WHERE_NAMES } from './tables.ts';

/** The main option holding the ACL for each phase. */
export const ACL_OPTIONS: Record<Exclude<AclWhere, 'expansion' | 'delivery'>, string> = {
  connect: 'acl_smtp_connect', helo: 'acl_smtp_helo', mail: 'acl_smtp_mail', mailauth: 'acl_smtp_mailauth',
  rcpt: 'acl_smtp_rcpt', predata: 'acl_smtp_predata', data: 'acl_smtp_data', mime: 'acl_smtp_mime',
  dkim: 'acl_smtp_dkim', prdr: 'acl_smtp_data_prdr', auth: 'acl_smtp_auth', starttls: 'acl_smtp_starttls',
  etrn: 'acl_smtp_etrn', atrn: 'acl_smtp_atrn', expn: 'acl_smtp_expn', vrfy: 'acl_smtp_vrfy', quit: 'acl_smtp_quit',
  notquit: 'acl_smtp_notquit', wellknown: 'acl_smtp_wellknown', not_smtp: 'acl_not_smtp',
  not_smtp_start: 'acl_not_smtp_start', not_smtp_mime: 'acl_not_smtp_mime',
};

/** What happens when a phase's ACL option is unset (section "Unset ACL options"). */
const DENY_WHEN_UNSET: ReadonlySet<AclWhere> = new Set<AclWhere>(['atrn', 'etrn', 'expn', 'rcpt', 'vrfy', 'wellknown']);

/** Where "discard" may end an ACL: the message-receiving ACLs except PREDATA. */
const DISCARD_OK = (where: AclWhere): boolean => isMessageWhere(where) && where !== 'predata';

const VERDICTS: Record<Rc, AclVerdict> = {
  OK: 'accept', FAIL: 'deny', DEFER: 'defer', ERROR: 'error', DISCARD: 'discard', FAIL_DROP: 'drop',
};

function newRun(actx: AclContext, where: AclWhere, sync: boolean, level = 0): RunState {
  return { actx, where, sync, level, cmdRatelimits: new Map(), logRejectTarget: ['main', 'reject'], tempDetails: false, addressListCache: newListCache() };
}

/** Set $domain and $local_part from the address under test (RCPT, VRFY, PRDR). */
function setAddressVars(actx: AclContext, where: AclWhere): void {
  if (actx.recipient === undefined || !(where === 'rcpt' || where === 'vrfy' || where === 'prdr')) return;
  const addr = actx.recipient;
  const at = addr.lastIndexOf('@');
  const vars = actx.expand.vars;
  const tainted = true;
  // $local_part is lower-cased for ACLs; control = caseful_local_part restores the original.
  vars.set('local_part', { value: (at < 0 ? addr : addr.slice(0, at)).toLowerCase(), tainted });
  vars.set('domain', { value: at < 0 ? '' : addr.slice(at + 1).toLowerCase(), tainted });
}

function finish(st: RunState, rc: Rc): AclResult {
  if (rc === 'DISCARD' && !DISCARD_OK(st.where)) {
    logPanic(st, `"discard" verb not allowed in ${WHERE_NAMES[st.where]} ACL`);
    rc = 'ERROR';
  }
  const result: AclResult = { verdict: VERDICTS[rc], logTargets: st.logRejectTarget };
  if (st.userMsg !== undefined) result.userMessage = splitMessage(st.userMsg);
  if (st.logMsg !== undefined) result.logMessage = st.logMsg;
  if (st.verifyFailed) result.verifyFailed = st.verifyFailed;
  if (st.senderVerifyFailure) result.senderVerifyFailure = st.senderVerifyFailure;
  if (st.tempDetails) result.tempDetails = true;
  return result;
}

/** Run the ACL `spec` (already expanded) for `where`. */
export async function runAcl(spec: string, where: AclWhere, actx: AclContext): Promise<AclResult> {
  const st = newRun(actx, where, false);
  if (actx.trace && !listTracer(actx.expand)) setListTracer(actx.expand, { write: actx.trace, level: 0, shared: { leak: 0 } });
  installAclHook(actx, where);
  setAddressVars(actx, where);
  setVar(st, 'acl_verify_message', undefined);
  const rc = await driveAsync(st, runAclText(st, spec, false));
  return finish(st, rc);
}

/**
 * HELO verification outside an ACL (helo_try_verify_hosts / helo_verify_hosts
 * at HELO time): the same check as `verify = helo`, remembered on the connection.
 */
export async function verifyHeloNow(actx: AclContext): Promise<boolean> {
  const st = newRun(actx, 'helo', false);
  if (actx.trace && !listTracer(actx.expand)) setListTracer(actx.expand, { write: actx.trace, level: 0, shared: { leak: 0 } });
  return (await driveAsync(st, verifyHelo(st))) === 'OK';
}

/**
 * Run the ACL configured for `where`: unset means the spec's default; the
 * option is expanded first (a forced failure accepts, an error is an error).
 */
export async function runAclOption(where: Exclude<AclWhere, 'expansion' | 'delivery'>, actx: AclContext): Promise<AclResult> {
  const option = ACL_OPTIONS[where];
  const value = actx.config.getOption(option);
  if (value.kind !== 'string' || value.value === '') {
    return { verdict: DENY_WHEN_UNSET.has(where) ? 'deny' : 'accept', logTargets: ['main', 'reject'] };
  }
  let spec: string;
  let tainted: boolean;
  try {
    ({ value: spec, tainted } = expandStringWithTaint(value.value, actx.expand));
  } catch (e) {
    if (e instanceof ForcedFail) return { verdict: 'accept', logTargets: ['main', 'reject'] };
    if (!(e instanceof ExpandError)) throw e;
    return { verdict: 'error', logMessage: `failed to expand ACL string "${value.value}": ${e.message}`, logTargets: ['main', 'reject'] };
  }
  if (tainted) {
    const st = newRun(actx, where, false);
    logPanic(st, `attempt to use tainted ACL text "${spec}"`);
    return { verdict: 'error', logMessage: 'internal configuration error', logTargets: ['main', 'reject'] };
  }
  return runAcl(spec, where, actx);
}

/**
 * Make ${acl{name}{args}} work in expansions that use actx.expand: the ACL
 * runs synchronously at one level deeper, in phase `where` (Exim's acl_eval).
 */
export function installAclHook(actx: AclContext, where: AclWhere = 'expansion', level = 1): void {
  const hooks = actx.expand.hooks;
  hooks.runAcl = (name: string, args: string[], ctx: ExpandContext) => {
    const inner: AclContext = ctx === actx.expand ? actx : { ...actx, expand: ctx };
    const st = newRun(inner, where, true, level);
    const rc = driveSync(withAclArgs(st, args, () => runAclText(st, name, false)));
    const message = rc === 'OK' || rc === 'FAIL' || rc === 'DEFER' ? st.userMsg : st.logMsg;
    const result = rc === 'OK' || rc === 'DISCARD' ? 'ok' : rc === 'FAIL' ? 'fail' : rc === 'FAIL_DROP' ? 'drop' : rc === 'DEFER' ? 'defer' : 'error';
    return message === undefined ? { result } : { result, message };
  };
}

/**
 * Exim's string_split_message: a response longer than 75 characters is cut
 * into lines at spaces (preferring a space after a colon), each line at most
 * about 75 characters where the text allows.
 */
export function splitMessage(msg: string): string {
  if (msg.length <= 75) return msg;
  const s = msg.split('');
  let start = 0;
  let pos = 0;
  for (;;) {
    let i = 0;
    while (i < 75 && pos < s.length && s[pos] !== '\n') {
      pos++;
      i++;
    }
    if (pos >= s.length) break;
    if (s[pos] === '\n') {
      start = ++pos;
      continue;
    }
    let split = -1;
    for (let t = pos; t > start + 35; t--) {
      if (s[t] === ' ') {
        if (s[t - 1] === ':') {
          split = t;
          break;
        }
        if (split < 0) split = t;
      }
    }
    if (split < 0) {
      for (let t = pos + 1; t < s.length; t++) {
        if (s[t] === ' ' || s[t] === '\n') {
          split = t;
          break;
        }
      }
    }
    if (split < 0) break;
    s[split] = '\n';
    start = pos = split + 1;
  }
  return s.join('');
}
