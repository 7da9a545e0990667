// The list walk common to domain, host, address and local-part lists:
// left to right, the first item that matches decides (a negated item "!x"
// makes it a non-match); if nothing matches the answer is "in the list" only
// when the last item was negative. "+name" refers to a named list of the
// same kind, "/path" to a file of items. Per-kind item matching is supplied
// by the caller (ListKind).

import type { ExpandContext, NamedListKind } from '../expand/context.ts';
import { ForcedFail } from '../expand/errors.ts';
import { expandWithHook } from '../lookups/expander-hook.ts';
import { listFileItems, ListFileError, type CommentStyle } from './file-items.ts';
import { listSeparator, splitList } from './split.ts';
import type { ItemOutcome, ListMatch } from './types.ts';

/** Mutable state of one walk (flags set by special items last until the end of that list). */
export interface WalkState {
  ctx: ExpandContext;
  /** Address/local-part lists: +caseful seen (propagates into named lists). */
  caseful: boolean;
  /** Host lists: +include_unknown / +ignore_unknown / +include_defer / +ignore_defer. */
  unknown: 'default' | 'include' | 'ignore';
  defer: 'default' | 'include' | 'ignore';
  depth: number;
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
}

const MAX_DEPTH = 50;

/** Outcome of a positive/negative item, folded with the host-list unknown/defer modes. */
function decide(out: ItemOutcome, negated: boolean, state: WalkState): ListMatch | 'continue' {
  switch (out.r) {
    case 'ok':
      return negated ? { result: 'fail' } : { result: 'ok', data: out.data, captures: out.captures };
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

/** Walk an (already expanded) list. */
export function walkList(listText: string, kind: ListKind, state: WalkState): ListMatch {
  let lastNegated = false;
  for (const raw of splitList(listText)) {
    let item = raw;
    let negated = false;
    while (item[0] === '!') {
      negated = !negated;
      item = item.slice(1).trimStart();
    }
    if (kind.special?.(item, state)) continue;
    let out: ItemOutcome;
    if (item[0] === '+') {
      out = matchNamed(item.slice(1), kind, state);
    } else if (item[0] === '/') {
      const fileResult = walkFile(item, negated, kind, state);
      if (fileResult.match) return fileResult.match;
      lastNegated = fileResult.lastNegated;
      continue;
    } else {
      out = kind.matchItem(item, state);
    }
    lastNegated = negated;
    const d = decide(out, negated, state);
    if (d !== 'continue') return d;
  }
  return { result: lastNegated ? 'ok' : 'fail' };
}

function walkFile(path: string, fileNegated: boolean, kind: ListKind, state: WalkState): { match?: ListMatch; lastNegated: boolean } {
  let lines: string[];
  try {
    lines = listFileItems(path, kind.comments);
  } catch (err) {
    if (err instanceof ListFileError) return { match: { result: 'defer', message: err.message }, lastNegated: fileNegated };
    throw err;
  }
  let lastNegated = fileNegated;
  for (const line of lines) {
    let item = line;
    let negated = fileNegated;
    while (item[0] === '!') {
      negated = !negated;
      item = item.slice(1).trimStart();
    }
    lastNegated = negated;
    const d = decide(kind.matchItem(item, state), negated, state);
    if (d !== 'continue') return { match: d, lastNegated };
  }
  return { lastNegated };
}

// ---- named lists -------------------------------------------------------

/** Results of cacheable named lists, per context (one message/session) and subject. */
const namedCache = new WeakMap<ExpandContext, Map<string, ListMatch>>();

function toOutcome(m: ListMatch): ItemOutcome {
  return { r: m.result, data: m.data, captures: m.captures, message: m.message };
}

/** Expand a named list's text: the separator change (if any) stays unexpanded, as Exim does. */
export function expandListText(text: string, ctx: ExpandContext): string {
  const { start } = listSeparator(text);
  if (start === 0) return expandWithHook(text, ctx);
  return text.slice(0, start) + expandWithHook(text.slice(start), ctx);
}

function matchNamed(name: string, kind: ListKind, state: WalkState): ItemOutcome {
  const nl = state.ctx.namedLists.get(name);
  if (!nl || nl.kind !== kind.kind) return { r: 'defer', message: `unknown named ${kind.word} list "+${name}"` };
  if (state.depth >= MAX_DEPTH) return { r: 'defer', message: `too many nested named lists at "+${name}"` };
  let cache: Map<string, ListMatch> | undefined;
  let id = '';
  if (nl.cacheable) {
    cache = namedCache.get(state.ctx);
    if (!cache) namedCache.set(state.ctx, (cache = new Map()));
    id = `${kind.kind}\0${name}\0${state.caseful ? 'C' : 'c'}\0${kind.subjectKey(state)}`;
    const hit = cache.get(id);
    if (hit) return toOutcome(hit);
  }
  let text: string;
  try {
    text = expandListText(nl.text, state.ctx);
  } catch (err) {
    if (err instanceof ForcedFail) return { r: 'fail' };
    return { r: 'defer', message: err instanceof Error ? err.message : String(err) };
  }
  // Special items (+include_unknown, ...) do not propagate into named lists; +caseful does.
  const sub: WalkState = { ...state, unknown: 'default', defer: 'default', depth: state.depth + 1 };
  const m = walkList(text, kind, sub);
  if (cache && m.result !== 'defer') cache.set(id, m);
  return toOutcome(m);
}

export function newWalkState(ctx: ExpandContext, caseful = false): WalkState {
  return { ctx, caseful, unknown: 'default', defer: 'default', depth: 0 };
}
