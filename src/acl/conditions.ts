// One condition or modifier of a statement, after its argument has been
// expanded (for those the engine expands). Each returns Exim's result code;
// texts for failures go to st.logMsg / st.userMsg.

import { ExpandError, ForcedFail } from '../expand/index.ts';
import { atTraceLevel, matchAddressList, matchDomainList, matchHostList, matchLocalPartList, newListCache, splitList, type ListMatch } from '../lists/index.ts';
import type { HostSubject } from '../lists/host.ts';
import { runAclText } from './engine.ts';
import { applyControl } from './controls.ts';
import { dnslistsCondition } from './dnslists.ts';
import { addHeaderText, removeHeaderText } from './headers.ts';
import { logPanic, printable, topBitChars, writeLog } from './logging.ts';
import type { AclItem, AclStatementCompiled } from './parse.ts';
import { ratelimitCondition } from './ratelimit.ts';
import { seenCondition } from './seen.ts';
import { attempt, expand, getVar, setVar, trace, waitFor, type LogTarget, type Rc, type RunState, type Step } from './state.ts';
import { WHERE_NAMES } from './tables.ts';
import { udpsend } from './udpsend.ts';
import { verifyCondition } from './verify.ts';
import { regexCondition } from './content.ts';
import { decodeCondition, mimeRegexStep } from './decode.ts';
import { readTime } from '../config/values.ts';
import { spfCondition } from '../spf/condition.ts';
import { dkimSignersCondition, dkimStatusCondition } from '../dkim/conditions.ts';
import { dmarcStatusCondition } from '../dmarc/condition.ts';
import { malwareCondition } from '../scan/malware-condition.ts';
import { spamCondition } from '../scan/spam-condition.ts';

export function* evalItem(st: RunState, item: AclItem, arg: string, tainted: boolean, stmt: AclStatementCompiled): Step<Rc> {
  switch (item.name) {
    case 'acl':
      return yield* aclCondition(st, arg, stmt);
    case 'add_header':
      addHeaderText(st, arg);
      return 'OK';
    case 'remove_header':
      removeHeaderText(st, arg);
      return 'OK';
    case 'continue':
      return 'OK';
    case 'set':
      setAclVariable(st, item.varName!, arg, tainted);
      return 'OK';
    case 'logwrite':
      logwrite(st, arg);
      return 'OK';
    case 'log_reject_target':
      st.logRejectTarget = logRejectTarget(st, arg);
      return 'OK';
    case 'delay':
      return yield* delay(st, arg);
    case 'queue':
      return queueModifier(st, arg, tainted);
    case 'control':
      return applyControl(st, arg);
    case 'udpsend':
      return yield* udpsend(st, arg);
    case 'condition':
      return conditionValue(st, arg);
    case 'authenticated': {
      const auth = getVar(st, 'sender_host_authenticated');
      if (!auth) return 'FAIL';
      return yield* listCondition(st, item.arg, (list) => matchStringList(st, auth, list));
    }
    case 'encrypted': {
      const cipher = getVar(st, 'tls_in_cipher') || getVar(st, 'tls_cipher');
      if (!cipher) return 'FAIL';
      return yield* listCondition(st, item.arg, (list) => matchStringList(st, cipher, list));
    }
    // Named-list results are cached as Exim caches them: the host's for the connection, the
    // sender's for the message, a recipient's domain and local part for that address only.
    case 'hosts': {
      const cache = (st.actx.conn.hostListCache ??= newListCache());
      return yield* listCondition(st, item.arg, (list) => matchHostList(hostSubject(st), list, st.actx.expand, { cache, wantData: true }), 'host_data', true);
    }
    case 'domains':
      return yield* listCondition(st, item.arg, (list) => matchDomainList(getVar(st, 'domain') ?? '', list, st.actx.expand, { cache: st.addressListCache, wantData: true }), 'domain_data');
    case 'local_parts':
      return yield* listCondition(st, item.arg, (list) => matchLocalPartList(originalLocalPart(st), list, st.actx.expand, { cache: st.addressListCache, wantData: true }), 'local_part_data');
    case 'recipients':
      return yield* listCondition(st, item.arg, (list) => matchAddressList(recipientAddress(st), list, st.actx.expand, { wantData: true }), 'recipient_data');
    case 'senders': {
      const cache = (st.actx.msg.senderListCache ??= newListCache());
      return yield* listCondition(st, item.arg, (list) => matchAddressList(getVar(st, 'sender_address') ?? '', list, st.actx.expand, { cache, wantData: true }), 'sender_data');
    }
    case 'sender_domains': {
      const sender = getVar(st, 'sender_address') ?? '';
      const at = sender.lastIndexOf('@');
      const domain = at < 0 ? '' : sender.slice(at + 1);
      const cache = (st.actx.msg.senderDomainListCache ??= newListCache());
      return yield* listCondition(st, item.arg, (list) => matchDomainList(domain, list, st.actx.expand, { cache }));
    }
    case 'dnslists':
      return yield* dnslistsCondition(st, arg);
    case 'ratelimit':
      return ratelimitCondition(st, arg);
    case 'seen':
      return seenCondition(st, arg);
    case 'verify':
      return yield* verifyCondition(st, arg);
    case 'regex':
      return regexCondition(st, arg);
    case 'mime_regex':
      return yield* mimeRegexStep(st, arg);
    case 'decode':
      return yield* decodeCondition(st, arg, tainted);
    case 'malware':
      return yield* malwareCondition(st, arg);
    case 'spam':
      return yield* spamCondition(st, arg);
    case 'dkim_signers':
      return yield* dkimSignersCondition(st, arg);
    case 'dkim_status':
      return yield* dkimStatusCondition(st, arg);
    case 'dmarc_status':
      return yield* dmarcStatusCondition(st, arg);
    case 'spf':
    case 'spf_guess':
      return yield* spfCondition(st, arg, item.name === 'spf_guess');
    case 'atrn_domains':
      return notAvailable(st, item.name, 'ATRN');
    default:
      st.logMsg = `internal ACL error: unknown condition "${item.name}"`;
      return 'ERROR';
  }
}

function notAvailable(st: RunState, name: string, what: string): Rc {
  st.logMsg = `"${name}" ACL condition: ${what} is not available in this version of tern yet`;
  return 'ERROR';
}

/** The client host for hosts=: the connection's subject (which caches name lookups), or one from the variables. */
function hostSubject(st: RunState): HostSubject {
  const conn = st.actx.conn;
  if (conn.host) return conn.host;
  const address = getVar(st, 'sender_host_address') || undefined;
  conn.host = { address, name: getVar(st, 'sender_host_name') || undefined };
  return conn.host;
}

/** The local part as the client wrote it (matching is caseless anyway, until +caseful). */
function originalLocalPart(st: RunState): string {
  const r = st.actx.recipient;
  if (r === undefined) return getVar(st, 'local_part') ?? '';
  const at = r.lastIndexOf('@');
  return at < 0 ? r : r.slice(0, at);
}

function recipientAddress(st: RunState): string {
  if (st.actx.recipient !== undefined) return st.actx.recipient;
  const lp = getVar(st, 'local_part') ?? '';
  const d = getVar(st, 'domain') ?? '';
  return d ? `${lp}@${d}` : lp;
}

function matchStringList(st: RunState, subject: string, list: string): ListMatch {
  // A plain string list: items are compared caselessly, "*" and regexes allowed (Exim's MCL_STRING).
  return matchDomainList(subject, list, st.actx.expand);
}

/** A list condition: expand the list, match, remember the matched data in dataVar. */
function* listCondition(st: RunState, listText: string, match: (list: string) => ListMatch, dataVar?: string, hostLookup = false): Step<Rc> {
  let list: string;
  try {
    list = (yield* expand(st, listText)).value;
  } catch (e) {
    if (e instanceof ForcedFail) return 'OK';
    if (!(e instanceof ExpandError)) throw e;
    logPanic(st, `failed to expand "${listText}" while checking a list: ${e.message}`);
    return 'DEFER';
  }
  const m = yield* attempt(st, () => atTraceLevel(st.actx.expand, st.level, () => match(list)));
  if (m.result === 'ok') {
    if (dataVar && m.data !== undefined) setVar(st, dataVar, m.data, true);
    return 'OK';
  }
  if (m.result === 'defer') {
    st.logMsg = m.message ?? (hostLookup ? 'host lookup deferred' : undefined);
    return 'DEFER';
  }
  return 'FAIL';
}

/** condition = : numbers, yes/no, true/false; anything else defers. */
function conditionValue(st: RunState, arg: string): Rc {
  if (/^[0-9]*$/.test(arg)) return Number(arg || '0') === 0 ? 'FAIL' : 'OK';
  const l = arg.toLowerCase();
  if (l === 'no' || l === 'false') return 'FAIL';
  if (l === 'yes' || l === 'true') return 'OK';
  st.logMsg = `invalid "condition" value "${arg}"`;
  return 'DEFER';
}

/** set acl_c.../acl_m...: connection variables are kept apart from message ones by name. */
function setAclVariable(st: RunState, name: string, value: string, tainted: boolean): void {
  setVar(st, name, value, tainted);
}

/** logwrite = [:main,reject,panic:] text */
function logwrite(st: RunState, arg: string): void {
  let s = arg;
  let targets: LogTarget[] = [];
  if (s.startsWith(':')) {
    const end = s.indexOf(':', 1);
    const names = end < 0 ? s.slice(1) : s.slice(1, end);
    s = end < 0 ? '' : s.slice(end + 1);
    for (const n of names.split(',')) {
      if (n === 'main' || n === 'panic' || n === 'reject') {
        if (!targets.includes(n)) targets.push(n);
      } else {
        targets = ['main', 'panic'];
        s = `unknown log name in "${arg}" in "logwrite" in ${WHERE_NAMES[st.where]} ACL`;
        break;
      }
    }
  }
  s = s.replace(/^\s+/, '');
  if (targets.length === 0) targets = ['main'];
  writeLog(st, targets, printable(s, topBitChars(st)));
}

function logRejectTarget(st: RunState, arg: string): LogTarget[] {
  const out: LogTarget[] = [];
  for (const n of splitList(arg)) {
    if (n === 'main' || n === 'reject' || n === 'panic') {
      if (!out.includes(n)) out.push(n);
    } else {
      for (const t of ['main', 'reject'] as const) if (!out.includes(t)) out.push(t);
      logPanic(st, `unknown log name "${n}" in "log_reject_target" in ${WHERE_NAMES[st.where]} ACL`);
    }
  }
  return out;
}

function* delay(st: RunState, arg: string): Step<Rc> {
  const seconds = readTime(arg);
  if (seconds < 0) {
    st.logMsg = `syntax error in argument for "delay" modifier: "${arg}" is not a time value`;
    return 'ERROR';
  }
  trace(st, `delay modifier requests ${seconds}-second delay`);
  if (st.actx.hostChecking) {
    trace(st, 'delay skipped in -bh checking mode');
    return 'OK';
  }
  if (seconds === 0 && !st.actx.delay) return 'OK';
  const flush = !(st.actx.conn.controls.noDelayFlush || st.actx.msg.controls.noDelayFlush);
  const hook = st.actx.delay;
  const ms = seconds * 1000;
  yield* waitFor(st, `acl-delay\0${ms}\0${Math.random()}`, () => (hook ? hook(ms, { flush }) : sleep(ms)));
  return 'OK';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function queueModifier(st: RunState, arg: string, tainted: boolean): Rc {
  if (tainted) {
    st.logMsg = `Tainted name '${arg}' for queue not permitted`;
    return 'ERROR';
  }
  if (arg.includes('/')) {
    st.logMsg = `Directory separator not permitted in queue name: '${arg}'`;
    return 'ERROR';
  }
  st.actx.msg.queue = arg;
  return 'OK';
}

/** acl = name [args...]: run another ACL with $acl_arg1..9 and $acl_narg set for it. */
function* aclCondition(st: RunState, text: string, stmt: AclStatementCompiled): Step<Rc> {
  const words = dequoteWords(text);
  const expanded: string[] = [];
  let nameTainted = false;
  for (let i = 0; i < words.length && i < 10; i++) {
    try {
      const got = yield* expand(st, words[i]);
      expanded.push(got.value);
      if (i === 0) nameTainted = got.tainted;
    } catch (e) {
      if (e instanceof ForcedFail) return 'ERROR';
      if (!(e instanceof ExpandError)) throw e;
      st.logMsg = `failed to expand ACL string "${words[i]}": ${e.message}`;
      return /defer/i.test(e.message) ? 'DEFER' : 'ERROR';
    }
  }
  const [name, ...args] = expanded;
  const rc = yield* withAclArgs(st, args, () => {
    st.level++;
    return runAclText(st, name ?? '', nameTainted);
  });
  if (rc === 'DISCARD' && stmt.verb !== 'accept' && stmt.verb !== 'discard') {
    st.logMsg = `nested ACL returned "discard" for "${stmt.verb}" command (only allowed with "accept" or "discard")`;
    return 'ERROR';
  }
  return rc;
}

/** Run an ACL with $acl_narg/$acl_arg1..9 set, restoring the caller's values afterwards. */
export function* withAclArgs(st: RunState, args: string[], run: () => Step<Rc>): Step<Rc> {
  const names = ['acl_narg', ...Array.from({ length: 9 }, (_, i) => `acl_arg${i + 1}`)];
  const vars = st.actx.expand.vars;
  const saved = names.map((n) => vars.get(n));
  const level = st.level;
  vars.set('acl_narg', { value: String(args.length), tainted: false });
  for (let i = 0; i < 9; i++) {
    if (i < args.length) vars.set(`acl_arg${i + 1}`, { value: args[i], tainted: false });
    else vars.delete(`acl_arg${i + 1}`);
  }
  try {
    return yield* run();
  } finally {
    st.level = level;
    names.forEach((n, i) => {
      const v = saved[i];
      if (v === undefined) vars.delete(n);
      else vars.set(n, v);
    });
  }
}

/** Exim's string_dequote over a line: words separated by white space, "double quoted" with \ escapes. */
export function dequoteWords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    let word = '';
    if (text[i] === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++;
        word += text[i++];
      }
      if (i < n) i++;
    } else {
      while (i < n && !/\s/.test(text[i])) word += text[i++];
    }
    out.push(word);
  }
  return out;
}
