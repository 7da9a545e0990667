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
import { lookupFile, type LookupFile } from './file-cache.ts';
import { asciiLower, readLsearchFile, recordAnswer, type LsearchRecord } from './lsearch-format.ts';
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

function makeFind(indexes: LookupFile<WildIndex>, expanded: boolean) {
  return (req: LookupRequest): string | null => {
    const index = indexes.of(req);
    const pick = (i: number): string => recordAnswer(index.records[i], req.options);
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

function register(kind: string, expanded: boolean): void {
  const indexes = lookupFile(kind, loadIndex(kind, expanded));
  registerLookup({ name: kind, style: 'single-key', check: indexes.check, find: makeFind(indexes, expanded) });
}

register('wildlsearch', true);
register('nwildlsearch', false);
