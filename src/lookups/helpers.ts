// The machinery shared by all lookup types: file-name checks, partial
// matching (partialN-, partial(prefix)), defaults ("*", "*@"), ret=key and a
// per-process result cache for drivers that declare themselves cacheable.

import type { ExpandContext } from '../expand/context.ts';
import { fileGeneration } from './file-cache.ts';
import { parseLookupSpec, type LookupSpec } from './spec.ts';
import { LookupError, type LookupDriver } from './types.ts';

/** A successful lookup. */
export interface LookupResult {
  value: string;
  /**
   * $1 and $2 for the expansion of the success string when a partial or
   * default key matched (wild part, fixed part); undefined otherwise.
   */
  numbered?: [string, string];
}

/** Where a single-key lookup looks: the file (or directory) and its taint. */
export interface LookupSource {
  file?: string;
  fileTainted?: boolean;
}

export interface LookupOptions {
  /** Ignore "partial-" (address-list whole-address lookups do). */
  noPartial?: boolean;
}

/** Check a single-key lookup's file name (taint) as Exim does before opening it. */
export function checkLookupFile(_spec: LookupSpec, source: LookupSource): string {
  const file = source.file ?? '';
  if (source.fileTainted) throw new LookupError(`Tainted filename for search: '${file}'`);
  // Exim 4.98 does not insist on an absolute name here: a relative one is
  // opened as it stands (and usually fails with the open error).
  return file;
}

/**
 * Perform a lookup. For single-key types `key` is the key and source.file
 * the file; for query-style types `key` is the query. Returns null when
 * nothing is found; throws LookupDefer/LookupError as the driver does.
 */
export function runLookup(
  specOrText: LookupSpec | string,
  key: string,
  ctx: ExpandContext,
  source: LookupSource = {},
  opts: LookupOptions = {},
): LookupResult | null {
  const spec = typeof specOrText === 'string' ? parseLookupSpec(specOrText) : specOrText;
  const driver = spec.driver;
  if (driver.style === 'query') {
    const value = source.fileTainted
      ? driver.find({ file: source.file, key, options: spec.options, ctx, queryTainted: true })
      : find(driver, spec, source.file, key, ctx);
    return value === null ? null : { value };
  }
  const file = checkLookupFile(spec, source);
  driver.check?.({ file, key, options: spec.options, ctx });
  // An empty key never matches (check() above has opened the file, so its errors still show).
  if (key === '') return null;
  const retKey = spec.options.get('ret') === 'key';
  const done = (value: string, numbered?: [string, string]): LookupResult =>
    ({ value: retKey ? key : value, numbered });

  const direct = find(driver, spec, file, key, ctx);
  const partial = opts.noPartial ? undefined : spec.partial;
  if (direct !== null) return done(direct, partial ? ['', key] : undefined);

  if (partial) {
    for (const [candidate, rest] of partialKeys(key, partial.min, partial.prefix)) {
      const value = find(driver, spec, file, candidate, ctx);
      if (value !== null) {
        const wild = rest === key ? '' : key.slice(0, key.length - rest.length - 1);
        return done(value, [wild, rest]);
      }
    }
  }
  if (spec.defaultKey === '*@') {
    const at = key.lastIndexOf('@');
    if (at >= 0) {
      const value = find(driver, spec, file, `*${key.slice(at)}`, ctx);
      if (value !== null) return done(value, [key.slice(0, at), '']);
    }
  }
  if (spec.defaultKey) {
    const value = find(driver, spec, file, '*', ctx);
    if (value !== null) return done(value, [key, '']);
  }
  return null;
}

/**
 * The keys partial matching tries after the key itself, each with the
 * non-wild remainder it stands for: prefix+key, then components dropped
 * from the left while at least `min` remain; partial0 ends with a lookup
 * derived from the prefix alone.
 */
export function* partialKeys(key: string, min: number, prefix: string): Generator<[string, string]> {
  let components = 1;
  for (let i = 0; i < key.length; i++) if (key[i] === '.') components++;
  if (components < min) return;
  if (prefix !== '') yield [prefix + key, key];
  let rest = key;
  while (components > Math.max(min, 1)) {
    rest = rest.slice(rest.indexOf('.') + 1);
    components--;
    yield [prefix + rest, rest];
  }
  if (min === 0) {
    if (prefix.length === 0) return;
    if (prefix.length === 1) yield [prefix, ''];
    else if (prefix.endsWith('.')) yield [prefix.slice(0, -1), ''];
    else yield [prefix, ''];
  }
}

// ---- result cache -------------------------------------------------------

interface Cached {
  generation: number;
  value: string | null;
}
const results = new Map<string, Cached>();
const RESULTS_MAX = 20_000;

/** Forget cached results (Exim flushes at "strategic points" of delivery). */
export function clearLookupResults(): void {
  results.clear();
}

function find(driver: LookupDriver, spec: LookupSpec, file: string | undefined, key: string, ctx: ExpandContext): string | null {
  const mode = spec.options.get('cache');
  if (!driver.cacheable) return driver.find({ file, key, options: spec.options, ctx });
  const generation = file ? fileGeneration(file) : 0;
  const id = `${spec.name}\0${file ?? ''}\0${spec.text}\0${key}`;
  if (mode !== 'no' && mode !== 'no_rd') {
    const hit = results.get(id);
    if (hit && hit.generation === generation) return hit.value;
  }
  const value = driver.find({ file, key, options: spec.options, ctx });
  if (mode !== 'no' && mode !== 'no_wr') {
    if (results.size >= RESULTS_MAX) results.clear();
    results.set(id, { generation, value });
  }
  return value;
}
