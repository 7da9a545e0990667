// Importing this module registers every lookup type and gives the entry
// points the expander, lists and routers share.

import './lsearch.ts';
import './wildlsearch.ts';
import './iplsearch.ts';
import './dsearch.ts';
import './json.ts';
import './cdb.ts';
import './sqlite.ts';
import './dnsdb.ts';
import './redis.ts';
import './lmdb.ts';
import './psl.ts';
import './passwd.ts';
import '../spf/lookup.ts';

import type { ExpandContext } from '../expand/context.ts';
import { runLookup, type LookupOptions, type LookupResult, type LookupSource } from './helpers.ts';
import { findDriver, type LookupSpec } from './spec.ts';

export { parseLookupSpec, findDriver, type LookupSpec, type PartialMatch } from './spec.ts';
export { checkLookupFile, clearLookupResults, partialKeys, type LookupResult, type LookupSource, type LookupOptions } from './helpers.ts';
export { clearFileCache, STALE_MS } from './file-cache.ts';
export { setStringExpander, type StringExpander } from './expander-hook.ts';
export { buildCdb } from './cdb-format.ts';
export { LookupDefer, LookupError } from './types.ts';

/**
 * Look something up. `spec` is a lookup type as written ("lsearch*@",
 * "partial2-cdb,ret=key", "sqlite,file=/db") or an already parsed spec.
 * Single-key types: `key` is the key and source.file the file (absolute,
 * untainted). Query-style types: `key` is the query. Returns null when not
 * found; throws LookupError (bad type/file: Exim's error text) or
 * LookupDefer (the lookup could not be completed; Exim reports it as
 * `lookup of "<key>" gave DEFER: <message>`).
 */
export function doLookup(
  spec: LookupSpec | string,
  key: string,
  ctx: ExpandContext,
  source?: LookupSource,
  opts?: LookupOptions,
): LookupResult | null {
  return runLookup(spec, key, ctx, source, opts);
}

/** ${quote_<type>:s}: the type's quoting, or s unchanged for types without one. */
export function quoteForLookup(type: string, s: string, opt?: string): string {
  const driver = findDriver(type);
  return driver.quote ? driver.quote(s, opt) : s;
}
