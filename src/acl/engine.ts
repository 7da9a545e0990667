// The statement loop: finding the ACL to run (named, file or inline),
// evaluating each statement's conditions and modifiers in order, applying
// the verb, and setting up the user and log messages. This follows the
// rules of the spec's chapter "Access control lists" and Exim's traces.

import { ExpandError, ForcedFail } from '../expand/index.ts';
import { listTracer } from '../lists/index.ts';
import { AclLoadError, compileAcls, fileAcl, inlineAcl } from './compile.ts';
import { evalItem } from './conditions.ts';
import { addHeaderText } from './headers.ts';
import { hostAndIdent, logPanic, printable, topBitChars, writeLog } from './logging.ts';
import type { AclStatementCompiled, CompiledAcl } from './parse.ts';
import { expand, getVar, setVar, trace, type Rc, type RunState, type Step } from './state.ts';
import { isMessageWhere, WHERE_NAMES, type Verb } from './tables.ts';

/** Deepest nesting of `acl =` calls (the spec's limit of 20). */
export const MAX_ACL_DEPTH = 20;

/** Verbs whose statement result makes `message`/`log_message` apply (Exim's msgcond). */
const MSG_RESULTS: Record<Verb, readonly Rc[]> = {
  accept: ['OK', 'FAIL', 'FAIL_DROP'],
  defer: ['OK'],
  deny: ['OK'],
  discard: ['OK', 'FAIL', 'FAIL_DROP'],
  drop: ['OK'],
  require: ['FAIL', 'FAIL_DROP'],
  warn: ['OK'],
};

interface Located {
  acl?: CompiledAcl;
  rc?: Rc;
}

/** Find the ACL that `text` names: a configured name, a file (leading "/"), or inline text. */
function locate(st: RunState, text: string, tainted: boolean): Located {
  const ss = text.replace(/^[ \t\n]+/, '');
  if (tainted) {
    logPanic(st, `attempt to use tainted ACL text "${ss}"`);
    st.logMsg = 'internal configuration error';
    return { rc: 'ERROR' };
  }
  try {
    if (!ss.includes(' ')) {
      const named = compileAcls(st.actx.config).get(ss);
      if (named) {
        if (named.statements.length === 0) {
          trace(st, `ACL "${ss}" is empty: implicit DENY`);
          return { rc: 'FAIL' };
        }
        trace(st, `using ACL "${ss}"`);
        return { acl: named };
      }
      if (ss.startsWith('/')) {
        const acl = fileAcl(ss, st.actx.config);
        trace(st, `read ACL from file ${ss}`);
        return { acl };
      }
    }
    return { acl: inlineAcl(ss, st.actx.config) };
  } catch (e) {
    if (e instanceof AclLoadError) {
      st.logMsg = e.message;
      return { rc: 'ERROR' };
    }
    throw e;
  }
}

/** Run the ACL named or written in `text` (Exim's acl_check_internal). */
export function* runAclText(st: RunState, text: string, tainted: boolean): Step<Rc> {
  if (st.level > MAX_ACL_DEPTH) {
    st.logMsg = 'ACL nested too deep: possible loop';
    return 'ERROR';
  }
  const found = locate(st, text, tainted);
  if (!found.acl) return found.rc ?? 'ERROR';
  return yield* runCompiled(st, found.acl);
}

function* runCompiled(st: RunState, acl: CompiledAcl): Step<Rc> {
  const name = acl.label;
  const quitCheck = st.level === 0 && (st.where === 'quit' || st.where === 'notquit');
  for (const stmt of acl.statements) {
    st.userMsg = undefined;
    st.logMsg = undefined;
    st.tempDetails = false;
    trace(st, `processing "${stmt.verb}" (${stmt.file} ${stmt.line})`);
    const { rc: cond, endpass } = yield* evalStatement(st, stmt);
    switch (cond) {
      case 'DEFER':
        trace(st, `${stmt.verb}: condition test deferred in ${name}`);
        st.tempDetails = true;
        if (stmt.verb !== 'warn') return 'DEFER';
        break;
      case 'ERROR':
        trace(st, `${stmt.verb}: condition test error in ${name}`);
        return 'ERROR';
      case 'OK':
        trace(st, `${stmt.verb}: condition test succeeded in ${name}`);
        break;
      case 'FAIL':
        trace(st, `${stmt.verb}: condition test failed in ${name}`);
        break;
      case 'DISCARD':
        trace(st, `${stmt.verb}: condition test yielded "discard" in ${name}`);
        break;
      case 'FAIL_DROP':
        trace(st, `${stmt.verb}: condition test yielded "drop" in ${name}`);
        break;
    }
    const badQuit = (): Rc => {
      st.logMsg = `QUIT or not-QUIT toplevel ACL may not fail ('${stmt.verb}' verb used incorrectly)`;
      return 'ERROR';
    };
    switch (stmt.verb) {
      case 'accept':
        if (cond === 'OK' || cond === 'DISCARD') {
          trace(st, `end of ${name}: ACCEPT`);
          return cond;
        }
        if (endpass) {
          trace(st, 'accept: endpass encountered - denying access');
          return cond;
        }
        break;
      case 'defer':
        if (cond === 'OK') {
          trace(st, `end of ${name}: DEFER`);
          if (quitCheck) return badQuit();
          st.tempDetails = true;
          return 'DEFER';
        }
        break;
      case 'deny':
        if (cond === 'OK') {
          trace(st, `end of ${name}: DENY`);
          if (quitCheck) return badQuit();
          return 'FAIL';
        }
        break;
      case 'discard':
        if (cond === 'OK' || cond === 'DISCARD') {
          trace(st, `end of ${name}: DISCARD`);
          if (quitCheck) return badQuit();
          return 'DISCARD';
        }
        if (endpass) {
          trace(st, 'discard: endpass encountered - denying access');
          return cond;
        }
        break;
      case 'drop':
        if (cond === 'OK') {
          trace(st, `end of ${name}: DROP`);
          if (quitCheck) return badQuit();
          return 'FAIL_DROP';
        }
        break;
      case 'require':
        if (cond !== 'OK') {
          trace(st, `end of ${name}: not OK`);
          if (quitCheck) return badQuit();
          return cond;
        }
        break;
      case 'warn':
        if (cond === 'OK') warnAction(st);
        else if (cond === 'DEFER' && (st.actx.logger?.selector?.has('acl_warn_skipped') ?? true)) {
          writeLog(st, ['main'], `${hostAndIdent(st, true)} Warning: ACL "warn" statement skipped: condition test deferred${st.logMsg ? `: ${st.logMsg}` : ''}`);
        }
        st.userMsg = undefined;
        st.logMsg = undefined;
        break;
    }
  }
  trace(st, `end of ${name}: implicit DENY`);
  return 'FAIL';
}

/** A successful warn: log its log_message once per message; old-style `message` adds a header. */
function warnAction(st: RunState): void {
  const user = st.userMsg;
  const log = st.logMsg;
  if (log !== undefined && log !== user) {
    const text = `${hostAndIdent(st, true)} Warning: ${printable(log, topBitChars(st))}`;
    const seen = st.actx.msg.warnLogged ?? (st.actx.msg.warnLogged = new Set());
    if (!seen.has(text)) {
      seen.add(text);
      writeLog(st, ['main'], text);
    }
  }
  if (user === undefined) return;
  if (!isMessageWhere(st.where)) {
    logPanic(st, `ACL "warn" with "message" setting found in a non-message (${WHERE_NAMES[st.where]}) ACL: cannot specify header lines here: message ignored`);
    return;
  }
  addHeaderText(st, user);
}

/** Exim's acl_check_condition: evaluate one statement's items in order. */
function* evalStatement(st: RunState, stmt: AclStatementCompiled): Step<{ rc: Rc; endpass: boolean }> {
  let userMessage: string | undefined;
  let logMessage: string | undefined;
  let endpass = false;
  let rc: Rc = 'OK';
  for (const item of stmt.items) {
    if (item.name === 'message') {
      trace(st, `  message: ${item.arg}`);
      userMessage = item.arg;
      continue;
    }
    if (item.name === 'log_message') {
      trace(st, `l_message: ${item.arg}`);
      logMessage = item.arg;
      continue;
    }
    if (item.name === 'endpass') {
      endpass = true;
      continue;
    }
    let arg = item.arg;
    let tainted = false;
    if (item.def.expand) {
      // list checks inside the expansion trace one level deeper than the statement (Exim's expansion depth)
      const tracer = listTracer(st.actx.expand);
      const savedLevel = tracer?.level ?? 0;
      if (tracer) tracer.level = st.level + 1;
      try {
        const got = yield* expand(st, item.exp ?? item.arg);
        arg = got.value;
        tainted = got.tainted;
      } catch (e) {
        if (e instanceof ForcedFail) continue;
        if (!(e instanceof ExpandError)) throw e;
        st.logMsg = `failed to expand ACL string "${item.arg}": ${e.message}`;
        return { rc: lookupDeferred(e) ? 'DEFER' : 'ERROR', endpass };
      } finally {
        if (tracer) tracer.level = savedLevel;
      }
    }
    const lhs = `check ${!item.def.modifier && item.negated ? '!' : ''}${item.name} ${item.varName ? item.varName + ' ' : ''}`;
    trace(st, `${lhs}= ${item.arg}`);
    if (item.def.expand && !(item.exp?.literal ?? true)) trace(st, `${' '.repeat(Math.min(lhs.length, EXIM_SPACES))}= ${arg}`, false);
    if (item.def.forbids.has(st.where)) {
      st.logMsg = `cannot ${item.def.modifier ? 'use' : 'test'} ${item.name} condition in ${WHERE_NAMES[st.where]} ACL`;
      return { rc: 'ERROR', endpass };
    }
    rc = yield* evalItem(st, item, arg, tainted, stmt);
    if (!item.def.modifier && item.negated) {
      if (rc === 'OK') rc = 'FAIL';
      else if (rc === 'FAIL' || rc === 'FAIL_DROP') rc = 'OK';
    }
    if (rc !== 'OK') break;
  }
  // With endpass, message is the text for denial: an accepting statement does not use it.
  if (endpass && rc === 'OK') userMessage = undefined;
  yield* settleMessages(st, stmt.verb, rc, userMessage, logMessage);
  return { rc, endpass };
}

/** Exim pads the expanded value's line from a string of 29 spaces: longer left-hand sides are not matched. */
const EXIM_SPACES = 29;

/** Lookup/DNS trouble during expansion defers rather than errors (Exim's search_find_defer). */
function lookupDeferred(e: ExpandError): boolean {
  return /defer/i.test(e.message) && /lookup|DNS/i.test(e.message);
}

/** Expand message/log_message when the statement's result calls for them. */
function* settleMessages(st: RunState, verb: Verb, rc: Rc, userMessage: string | undefined, logMessage: string | undefined): Step<void> {
  if (MSG_RESULTS[verb].includes(rc)) {
    const oldUser = st.userMsg;
    const oldLog = st.logMsg ?? oldUser;
    if (verb === 'warn' || (rc === 'OK' && (verb === 'accept' || verb === 'discard'))) {
      st.userMsg = undefined;
      st.logMsg = undefined;
    }
    if (userMessage !== undefined) {
      const text = yield* expandMessage(st, userMessage, oldUser);
      if (text) st.userMsg = text;
    }
    if (logMessage !== undefined) {
      const text = yield* expandMessage(st, logMessage, oldLog);
      if (text) st.logMsg = st.logMsg === undefined ? text : `${text}: ${st.logMsg}`;
    }
    if (st.logMsg === undefined) st.logMsg = st.userMsg;
  }
  setVar(st, 'acl_verify_message', undefined);
}

function* expandMessage(st: RunState, text: string, verifyMessage: string | undefined): Step<string | undefined> {
  setVar(st, 'acl_verify_message', verifyMessage);
  try {
    return (yield* expand(st, text)).value;
  } catch (e) {
    if (e instanceof ForcedFail) return undefined;
    if (!(e instanceof ExpandError)) throw e;
    logPanic(st, `failed to expand ACL message "${text}": ${e.message}`);
    return undefined;
  }
}

/** The current value of a variable (re-exported for the condition modules' convenience). */
export { getVar };
