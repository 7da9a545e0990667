// The list walk common to domain, host, address and local-part lists:
// left to right, the first item that matches decides (a negated item "!x"
// makes it a non-match); if nothing matches the answer is "in the list" only
// when the last item was negative. "+name" refers to a named list of the
// same kind, "/path" to a file of items. Per-kind item matching is supplied
// by the caller (ListKind). When the context carries a tracer (-bh), the
// walk reports itself in Exim's words (trace.ts).

import type { ExpandContext, NamedListKind } from '../expand/context.ts';
import { ForcedFail } from '../expand/errors.ts';
import { expandWithHook } from '../lookups/expander-hook.ts';
import { listFileItems, ListFileError, type CommentStyle } from './file-items.ts';
import { PanicDie } from '../log/panic-die.ts';
import { listSeparator, splitList } from './split.ts';
import { growTraceLeak, listTracer, shownElement, traceAt, type ListTracer } from './trace.ts';
import type { ItemOutcome, ListMatch } from './types.ts';

/**
 * Named-list results remembered for one subject holder, as Exim caches them:
 * per connection for the client host, per message for the sender, per
 * address for a recipient's domain and local part. Without one nothing is cached.
 */
export type ListCache = Map<string, ListMatch>;

export function newListCache(): ListCache {
  return new Map();
}

/** How a caller wants a list checked. */
export interface ListOptions {
  /** The option the list came from: the trace names it instead of showing the list. */
  label?: string;
  /** Where named-list results are remembered (see ListCache). */
  cache?: ListCache;
  /** The caller keeps the matched data ($domain_data, $host_data...); the trace then reports it. */
  wantData?: boolean;
  /** Address lists: local parts compared with their case, as after "+caseful" (rewrite patterns). */
  caseful?: boolean;
}

/** Mutable state of one walk (flags set by special items last until the end of that list). */
export interface WalkState {
  ctx: ExpandContext;
  /** Address/local-part lists: +caseful seen (propagates into named lists). */
  caseful: boolean;
  /** Host lists: +include_unknown / +ignore_unknown / +include_defer / +ignore_defer. */
  unknown: 'default' | 'include' | 'ignore';
  defer: 'default' | 'include' | 'ignore';
  depth: number;
  cache?: ListCache;
  wantData: boolean;
  tracer?: ListTracer;
  /** Trace indentation of this walk's question line. */
  level: number;
}

export interface ListKind {
  kind: NamedListKind;
  /** "domain", "host", "address", "local part": used in error texts. */
  word: string;
  comments: CommentStyle;
  /** Handle a special item (e.g. "+caseful"); true if it was one. */
  special?(item: string, state: WalkState): boolean;
  /** Match one plain item (no negation, named list or file). */
  matchItem(item: string, state: WalkState): ItemOutcome;
  /** Text identifying the subject, for the named-list result cache. */
  subjectKey(state: WalkState): string;
  /** How the trace names the subject ("host", or the domain, address or local part). */
  traceName: string;
}

const MAX_DEPTH = 50;

/** Outcome of a positive/negative item, folded with the host-list unknown/defer modes. */
function decide(out: ItemOutcome, negated: boolean, state: WalkState): ListMatch | 'continue' {
  switch (out.r) {
    case 'ok':
      return negated ? { result: 'fail', cacheData: out.traceData ?? out.data }
        : { result: 'ok', data: out.data, captures: out.captures, cacheData: out.traceData };
    case 'fail':
      return 'continue';
    case 'defer':
      if (state.defer === 'ignore') return 'continue';
      if (state.defer === 'include') return { result: negated ? 'fail' : 'ok' };
      return { result: 'defer', message: out.message };
    case 'unknown':
      if (state.unknown === 'ignore') return 'continue';
      if (state.unknown === 'include') return { result: negated ? 'fail' : 'ok' };
      return { result: 'fail' };
  }
}

/** Strip leading "!"s: the item and whether it is negated. */
function negation(raw: string): { item: string; negated: boolean } {
  let item = raw;
  let negated = false;
  while (item[0] === '!') {
    negated = !negated;
    item = item.slice(1).trimStart();
  }
  return { item, negated };
}

/** Walk an (already expanded) list. single: the whole text is one item (an address pattern's domain part). */
export function walkList(listText: string, kind: ListKind, state: WalkState, label?: string, single = false): ListMatch {
  const t = state.tracer;
  const L = state.level;
  const question = t ? (label !== undefined ? `${kind.traceName} in ${label}?` : `${kind.traceName} in "${listText}"?`) : '';
  if (t) traceAt(t, L, question);
  const answer = (m: ListMatch, text: string): ListMatch => {
    if (t) traceAt(t, L + 1, `${question} ${text}`);
    return m;
  };
  let lastNegated = false;
  /** Exim's match value left behind by items that did not match (it shows in the trace of named-list caching). */
  let stale: string | undefined;
  const items = single ? (listText === '' ? [] : [listText]) : splitList(listText);
  for (const raw of items) {
    if (t) traceAt(t, L + 1, `list element: ${shownElement(raw)}`);
    const { item, negated } = negation(raw);
    if (kind.special?.(item, state)) continue;
    if (item[0] === '/') {
      const fileResult = walkFile(item, negated, kind, state);
      if (fileResult.match) {
        const m = fileResult.match;
        if (t && fileResult.line !== undefined) return answer(m, `${negated ? 'no' : 'yes'} (matched "${fileResult.line}" in ${item})`);
        if (t && m.result === 'defer') return answer(m, `lookup deferred for ${raw}`);
        return m;
      }
      lastNegated = fileResult.lastNegated;
      continue;
    }
    let out: ItemOutcome;
    let cached = false;
    if (item[0] === '+') ({ out, cached } = matchNamed(item.slice(1), kind, state));
    else out = kind.matchItem(item, state);
    lastNegated = negated;
    if (out.traceData !== undefined) stale = out.traceData;
    const d = decide(out, negated, state);
    if (d === 'continue') continue;
    if (!t) return d;
    if (out.r === 'ok') return answer(d, `${negated ? 'no' : 'yes'} (matched "${raw}"${cached ? ' - cached' : ''})`);
    if (out.r === 'defer') return answer(d, `lookup deferred for ${raw}`);
    const told = answer(d, `${d.result === 'ok' ? 'yes' : 'no'} (${out.message ?? 'unknown'})`);
    // Exim's indentation grows here for good when a host's name or address was not found
    if (out.r === 'unknown') growTraceLeak(t);
    return told;
  }
  if (t) traceAt(t, L, `${question} ${lastNegated ? 'yes' : 'no'} (end of list)`);
  return { result: lastNegated ? 'ok' : 'fail', cacheData: stale };
}

interface FileWalk {
  match?: ListMatch;
  /** The file line that decided (for the trace). */
  line?: string;
  lastNegated: boolean;
}

function walkFile(path: string, fileNegated: boolean, kind: ListKind, state: WalkState): FileWalk {
  let lines: string[];
  try {
    lines = listFileItems(path, kind.comments);
  } catch (err) {
    // a list file that cannot be read is fatal, as in Exim
    if (err instanceof ListFileError) throw new PanicDie(err.message);
    throw err;
  }
  let lastNegated = fileNegated;
  for (const line of lines) {
    const { item, negated: lineNegated } = negation(line);
    const negated = lineNegated !== fileNegated;
    lastNegated = negated;
    const d = decide(kind.matchItem(item, state), negated, state);
    if (d !== 'continue') return { match: d, line, lastNegated };
  }
  return { lastNegated };
}

// ---- named lists -------------------------------------------------------

function toOutcome(m: ListMatch): ItemOutcome {
  return { r: m.result, data: m.data, captures: m.captures, message: m.message, traceData: m.cacheData };
}

/** Expand a named list's text: the separator change (if any) stays unexpanded, as Exim does. */
export function expandListText(text: string, ctx: ExpandContext): string {
  const { start } = listSeparator(text);
  if (start === 0) return expandWithHook(text, ctx);
  return text.slice(0, start) + expandWithHook(text.slice(start), ctx);
}

function matchNamed(name: string, kind: ListKind, state: WalkState): { out: ItemOutcome; cached: boolean } {
  const nl = state.ctx.namedLists.get(name);
  if (!nl || nl.kind !== kind.kind) return { out: { r: 'defer', message: `unknown named ${kind.word} list "+${name}"` }, cached: false };
  if (state.depth >= MAX_DEPTH) return { out: { r: 'defer', message: `too many nested named lists at "+${name}"` }, cached: false };
  const t = state.tracer;
  const L = state.level;
  if (t) traceAt(t, L + 1, ` start sublist ${name}`);
  const id = `${kind.kind}\0${name}\0${state.caseful ? 'C' : 'c'}\0${kind.subjectKey(state)}`;
  const cache = nl.cacheable ? state.cache : undefined;
  const hit = cache?.get(id);
  if (hit) {
    if (t) {
      traceAt(t, L + 1, `cached ${hit.result === 'ok' ? 'yes' : 'no'} match for +${name}`);
      if (state.wantData) traceAt(t, L + 1, `cached lookup data = ${hit.cacheData ?? hit.data ?? 'NULL'}`);
    }
    return { out: toOutcome(hit), cached: true };
  }
  let text: string;
  try {
    text = expandListText(nl.text, state.ctx);
  } catch (err) {
    if (err instanceof ForcedFail) {
      if (t) {
        traceAt(t, L + 3, `expansion of "${nl.text}" forced failure: assume not in this list`);
        traceAt(t, L + 1, ` end sublist ${name}`);
      }
      return { out: { r: 'fail' }, cached: false };
    }
    return { out: { r: 'defer', message: err instanceof Error ? err.message : String(err) }, cached: false };
  }
  // Special items (+include_unknown, ...) do not propagate into named lists; +caseful does.
  const sub: WalkState = { ...state, unknown: 'default', defer: 'default', depth: state.depth + 1, cache, level: L + 3 };
  const m = walkList(text, kind, sub);
  if (t) traceAt(t, L + 1, ` end sublist ${name}`);
  // An uncacheable list (or sublist) stops caching for the rest of the lists that contain it.
  if (!sub.cache) state.cache = undefined;
  else if (m.result !== 'defer') {
    sub.cache.set(id, m);
    const data = m.cacheData ?? m.data;
    if (t && state.wantData && data !== undefined) {
      traceAt(t, L + 1, `data from lookup saved for cache for +${name}: key '${kind.subjectKey(state)}' value '${data}'`);
    }
  }
  return { out: toOutcome(m), cached: false };
}

export function newWalkState(ctx: ExpandContext, caseful = false, opts: ListOptions = {}): WalkState {
  const tracer = listTracer(ctx);
  return {
    ctx, caseful, unknown: 'default', defer: 'default', depth: 0,
    cache: opts.cache, wantData: opts.wantData ?? false, tracer, level: tracer?.level ?? 0,
  };
}
