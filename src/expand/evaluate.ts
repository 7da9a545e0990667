// Walks a compiled expansion synchronously. Taint travels in st.tainted: a
// tainted variable or header read marks the result being built; items that
// must know an argument's taint evaluate it with evalArg(). Items that wait
// (DNS, sockets, ${run}) ask ctx.memo and are replayed by the async driver.

import type { Cond, IfNode, LookupNode, Node, OperatorNode, Seq } from './ast.ts';
import type { ExpandContext, VarValue } from './context.ts';
import { ExpandError, ForcedFail, LookupFailure } from './errors.ts';
import { resolveVariable } from './variables.ts';
import { readHeader } from './headers.ts';
import { applyOperator } from './operator-dispatch.ts';
import { evalItem } from './items.ts';
import { evalCond } from './conditions.ts';
import { doLookupItem } from './lookup-item.ts';
import { compileExpansion } from './parser.ts';
import { splitList } from './list.ts';
import { listTracer, type ListTracer } from '../lists/trace.ts';

/** Per-expansion mutable state: taint of the result being built, $value, $item, $0..$9. */
export interface EvalState {
  ctx: ExpandContext;
  tainted: boolean;
  /**
   * Tainted data in the result that went through ${quote_<type>:...}: the
   * lookup type it was quoted for. Such a result may be a query of that
   * lookup type (Exim's rule); anywhere else it counts as tainted.
   */
  quotedFor: string | undefined;
  value: VarValue | undefined;
  item: VarValue | undefined;
  caps: readonly (string | undefined)[];
  capsTainted: boolean;
  /** nesting of ${expand:...} and items, bounded so recursion cannot overflow the stack */
  depth: number;
  /** true under expandStringAsync: waiting items may suspend */
  async: boolean;
  /** -bh's list tracer: list checks in a sub-expansion indent one level deeper, as Exim's do */
  tracer: ListTracer | undefined;
}

export const MAX_EVAL_DEPTH = 10_000;

const NO_CAPS: readonly (string | undefined)[] = [];

export function newState(ctx: ExpandContext, async = false): EvalState {
  return { ctx, tainted: false, quotedFor: undefined, value: undefined, item: undefined, caps: ctx.numericVars?.caps ?? NO_CAPS, capsTainted: ctx.numericVars?.tainted ?? false, depth: 0, async, tracer: listTracer(ctx) };
}

const EMPTY: VarValue = { value: '', tainted: false };

/** Evaluate a sequence: its nodes concatenated. */
export function evalSeq(seq: Seq, st: EvalState): string {
  if (seq.length === 1) return evalNode(seq[0], st);
  let out = '';
  for (let i = 0; i < seq.length; i++) out += evalNode(seq[i], st);
  return out;
}

/** Evaluate an argument on its own, reporting its taint; the caller decides whether it taints the result. */
export function evalArg(seq: Seq, st: EvalState): { s: string; tainted: boolean; quotedFor?: string } {
  const saved = st.tainted, savedQuoted = st.quotedFor;
  st.tainted = false;
  st.quotedFor = undefined;
  if (st.tracer) st.tracer.level++;
  try {
    const s = evalSeq(seq, st);
    if (st.tainted || st.quotedFor === undefined) return { s, tainted: st.tainted };
    return { s, tainted: true, quotedFor: st.quotedFor };
  } finally {
    st.tainted = saved;
    st.quotedFor = savedQuoted;
    if (st.tracer) st.tracer.level--;
  }
}

/** Record that tainted data was quoted for a lookup type; quoting for two types is just taint. */
function markQuoted(type: string, st: EvalState): void {
  if (st.quotedFor === undefined || st.quotedFor === type) st.quotedFor = type;
  else st.tainted = true;
}

function readVar(name: string, st: EvalState): string {
  const c0 = name.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const n = Number(name);
    const v = n < st.caps.length ? st.caps[n] : undefined;
    if (v && st.capsTainted) st.tainted = true;
    return v ?? '';
  }
  if (name === 'value' || name === 'item') {
    const v = (name === 'value' ? st.value : st.item) ?? EMPTY;
    if (v.tainted) st.tainted = true;
    return v.value;
  }
  const g = resolveVariable(name);
  if (typeof g !== 'function') throw new ExpandError(g.error);
  const v = g(st.ctx);
  if (typeof v === 'string') return v;
  if (v.tainted) st.tainted = true;
  return v.value;
}

/** The value of a variable by name (def: and other callers). */
export function variableValue(name: string, st: EvalState): string {
  return readVar(name, st);
}

export function evalNode(node: Node, st: EvalState): string {
  switch (node.k) {
    case 'lit': return node.s;
    case 'var': return readVar(node.name, st);
    case 'hdr': {
      const h = readHeader(st.ctx, node.kind, node.name);
      if (h.tainted) st.tainted = true;
      return h.value;
    }
    case 'op': return evalOperator(node, st);
    case 'if': return evalIf(node, st);
    case 'lookup': return evalLookup(node, st);
    case 'item': {
      if (++st.depth > MAX_EVAL_DEPTH) throw new ExpandError('expansion nested too deeply');
      try {
        return evalItem(node, st);
      } finally {
        st.depth--;
      }
    }
    case 'error': throw node.lookup ? new LookupFailure(node.msg) : new ExpandError(node.msg);
  }
}

function evalOperator(node: OperatorNode, st: EvalState): string {
  if (++st.depth > MAX_EVAL_DEPTH) throw new ExpandError('expansion nested too deeply');
  try {
    if (node.base === 'expand') {
      const arg = evalArg(node.sub, st);
      return expandAgain(arg.s, st, arg.tainted);
    }
    if (node.base === 'quote' && node.arg !== undefined) {
      // ${quote_<type>:tainted} yields data quoted for that lookup type.
      const arg = evalArg(node.sub, st);
      const nulAt = arg.s.indexOf('\0');
      const out = applyOperator(node.name, node.base, node.arg, nulAt >= 0 ? arg.s.slice(0, nulAt) : arg.s, st.ctx);
      if (arg.tainted) markQuoted(node.arg.split('_')[0], st);
      return out;
    }
    let sub = evalSeq(node.sub, st);
    // Exim's operators see a C string: it ends at a NUL byte.
    const nul = sub.indexOf('\0');
    if (nul >= 0) sub = sub.slice(0, nul);
    switch (node.base) {
      case 'listnamed': return listNamed(sub, node.arg, st);
    }
    return applyOperator(node.name, node.base, node.arg, sub, st.ctx);
  } finally {
    st.depth--;
  }
}

/** ${expand:...}: the subject is expanded again, in the same state. */
function expandAgain(text: string, st: EvalState, tainted: boolean): string {
  if (tainted) throw new ExpandError(`attempt to expand tainted string '${text}'`);
  const exp = compileExpansion(text);
  if (exp.literal) return text;
  try {
    return evalSeq(exp.seq, st);
  } catch (e) {
    if (e instanceof ForcedFail) throw e;
    if (e instanceof ExpandError) throw new ExpandError(`internal expansion of "${text}" failed: ${e.message}`);
    throw e;
  }
}

const LIST_KINDS: Record<string, string> = { d: 'domain', h: 'host', a: 'address', l: 'local_part' };

/**
 * ${listnamed:name} / ${listnamed_d:name}: a named list's items joined by
 * " : ", nested +name items replaced by their lists. As in Exim, items of a
 * list with another separator have their colons doubled; items of a colon
 * list are copied as they are.
 */
function listNamed(name: string, suffix: string | undefined, st: EvalState, depth = 0): string {
  let want: string | undefined;
  if (suffix !== undefined) {
    want = LIST_KINDS[suffix];
    if (!want) throw new ExpandError('bad suffix on "list" operator');
  }
  if (name.startsWith('+')) name = name.slice(1);
  const list = st.ctx.namedLists.get(name);
  const kind = list ? (list.kind === 'localpart' ? 'local_part' : list.kind) : undefined;
  if (!list || (want && kind !== want)) {
    throw new ExpandError(want ? `"${name}" is not a ${want} named list` : `"${name}" is not a named list`);
  }
  if (depth > 100) throw new ExpandError(`named list "${name}" refers to itself`);
  const { sep, items } = splitList(list.text);
  const out: string[] = [];
  for (const item of items) {
    if (item.startsWith('+') && st.ctx.namedLists.has(item.slice(1))) out.push(listNamed(item.slice(1), undefined, st, depth + 1));
    else out.push(sep === ':' ? item : item.split(':').join('::'));
  }
  return out.join(' : ');
}

/** Run fn with $value saved and restored around it. */
export function withValue<T>(st: EvalState, value: VarValue | undefined, fn: () => T): T {
  const saved = st.value;
  st.value = value;
  try {
    return fn();
  } finally {
    st.value = saved;
  }
}

function evalIf(node: IfNode, st: EvalState): string {
  const savedCaps = st.caps, savedCapsTainted = st.capsTainted, savedValue = st.value;
  try {
    const ok = evalCond(node.cond, st);
    return yesNo(ok, node.yes, node.no, node.fail, 'if', st, 'true', node.tailError);
  } finally {
    st.caps = savedCaps;
    st.capsTainted = savedCapsTainted;
    st.value = savedValue;
  }
}

/**
 * The common tail of if/lookup/extract...: expand yes or no; with neither,
 * yield `dflt` on success and "" on failure; `fail` forces failure.
 */
export function yesNo(ok: boolean, yes: Seq | undefined, no: Seq | undefined, fail: boolean, name: string, st: EvalState, dflt: string, tailError?: string): string {
  if (tailError !== undefined) throw new ExpandError(tailError);
  if (ok) {
    if (no) skipCheck(no);
    return yes ? evalSeq(yes, st) : dflt;
  }
  if (yes) skipCheck(yes);
  if (fail) throw new ForcedFail(`"${name}" failed and "fail" requested`);
  return no ? evalSeq(no, st) : '';
}

function evalLookup(node: LookupNode, st: EvalState): string {
  let key: string | undefined;
  if (node.key) key = evalArg(node.key, st).s;
  const q = evalArg(node.query, st);
  const res = doLookupItem(node.spec, key, q.s, q.tainted, st.ctx, q.quotedFor);
  const savedCaps = st.caps, savedCapsTainted = st.capsTainted;
  try {
    if (res?.numbered) {
      st.caps = ['', res.numbered[0], res.numbered[1]];
      st.capsTainted = false;
    }
    // Looked-up data is trusted: $value and the default result are untainted.
    return withValue(st, res ? { value: res.value, tainted: false } : st.value, () =>
      yesNo(res !== null, node.yes, node.no, node.fail, 'lookup', st, res?.value ?? '', node.tailError));
  } finally {
    st.caps = savedCaps;
    st.capsTainted = savedCapsTainted;
  }
}

// ---- static checks of skipped parts ---------------------------------------

const clean = new WeakSet<object>();

/** Exim parses skipped branches too: raise the first static error inside one, if any. */
export function skipCheck(seq: Seq): void {
  // Text, variables and headers cannot hold a static error: the usual skipped
  // branch ({no} of an ${if}) is checked without touching the WeakSet.
  let plain = true;
  for (let i = 0; i < seq.length; i++) {
    const k = seq[i].k;
    if (k !== 'lit' && k !== 'var' && k !== 'hdr') { plain = false; break; }
  }
  if (plain || clean.has(seq)) return;
  for (const n of seq) skipNode(n);
  clean.add(seq);
}

function skipNode(n: Node): void {
  switch (n.k) {
    case 'lit': case 'var': case 'hdr': return;
    case 'error': throw new ExpandError(n.msg);
    case 'op': skipCheck(n.sub); return;
    case 'item': for (const a of n.args) skipCheck(a); if (n.cond) skipCond(n.cond); return;
    case 'if': skipCond(n.cond); if (n.yes) skipCheck(n.yes); if (n.no) skipCheck(n.no); return;
    case 'lookup': if (n.key) skipCheck(n.key); skipCheck(n.query); if (n.yes) skipCheck(n.yes); if (n.no) skipCheck(n.no); return;
  }
}

export function skipCond(c: Cond): void {
  switch (c.c) {
    case 'error': throw new ExpandError(c.msg);
    case '!': skipCond(c.sub); return;
    case 'and': case 'or': for (const s of c.subs) skipCond(s); return;
    case 'args': case 'nested': for (const a of c.args) skipCheck(a); return;
    case 'def': case 'first_delivery': case 'queue_running': return;
    default: skipCheck(c.list); skipCond(c.sub);
  }
}
