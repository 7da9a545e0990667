// wildlsearch and nwildlsearch: lsearch files whose keys are patterns
// ("*suffix", "^regex", "type;file", literal; "!" negates as in a one-item
// list), tried in file order, case-insensitively. wildlsearch expands each
// key first (so it is not indexed or cached); nwildlsearch keys are literal
// text, so its literal keys go into a Map and only the non-literal patterns
// before the first literal hit need testing.

import type { ExpandContext } from '../expand/context.ts';
import { ForcedFail } from '../expand/errors.ts';
import { matchStringItem } from '../lists/string-item.ts';
import { expandWithHook, needsExpansion } from './expander-hook.ts';
import { cachedFile } from './file-cache.ts';
import { asciiLower, readLsearchFile, type LsearchRecord } from './lsearch-format.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';

interface WildIndex {
  records: LsearchRecord[];
  /** Lower-cased literal keys -> earliest record index. */
  literals: Map<string, number>;
  /** Indexes of records whose key is a pattern (or negated), in file order. */
  patterns: number[];
}

const isPattern = (key: string): boolean => key[0] === '^' || key[0] === '*' || key[0] === '!' || key.includes(';');

function loadIndex(kind: string, expanded: boolean): (file: string) => WildIndex {
  return (file) => {
    const records = readLsearchFile(file, kind);
    const index: WildIndex = { records, literals: new Map(), patterns: [] };
    records.forEach((rec, i) => {
      if (isPattern(rec.key) || (expanded && needsExpansion(rec.key))) index.patterns.push(i);
      else {
        const k = asciiLower(rec.key);
        if (!index.literals.has(k)) index.literals.set(k, i);
      }
    });
    return index;
  };
}

/** Does one key of the file accept the subject? A one-item list: "!" inverts. */
function keyMatches(subject: string, pattern: string, ctx: ExpandContext): boolean {
  let negated = false;
  let p = pattern;
  while (p[0] === '!') {
    negated = !negated;
    p = p.slice(1).trimStart();
  }
  const out = matchStringItem(subject, p, ctx, true);
  if (out.r === 'defer') throw new LookupDefer(out.message ?? `lookup deferred while checking "${pattern}"`);
  return (out.r === 'ok') !== negated;
}

function expandKey(key: string, ctx: ExpandContext): string | null {
  try {
    return expandWithHook(key, ctx);
  } catch (err) {
    if (err instanceof ForcedFail) return null;
    throw new LookupDefer(`failed to expand "${key}" while checking a list: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function makeFind(kind: string, expanded: boolean) {
  const load = loadIndex(kind, expanded);
  return (req: LookupRequest): string | null => {
    const index = cachedFile(kind, req.file!, load).value;
    const pick = req.options.get('ret') === 'full' ? (i: number) => index.records[i].full : (i: number) => index.records[i].data;
    const literalHit = index.literals.get(asciiLower(req.key)) ?? Infinity;
    for (const i of index.patterns) {
      if (i > literalHit) break;
      let key: string | null = index.records[i].key;
      if (expanded) key = expandKey(key, req.ctx);
      if (key !== null && keyMatches(req.key, key, req.ctx)) return pick(i);
    }
    return literalHit === Infinity ? null : pick(literalHit);
  };
}

function makeCheck(kind: string, expanded: boolean) {
  const load = loadIndex(kind, expanded);
  return (req: LookupRequest): void => {
    cachedFile(kind, req.file!, load);
  };
}

registerLookup({ name: 'wildlsearch', style: 'single-key', check: makeCheck('wildlsearch', true), find: makeFind('wildlsearch', true) });
registerLookup({ name: 'nwildlsearch', style: 'single-key', check: makeCheck('nwildlsearch', false), find: makeFind('nwildlsearch', false) });
