// The contract every lookup type implements. One file per lookup type
// registers itself in registry.ts; the expander, list matcher and routers
// only ever go through the registry.

import type { ExpandContext } from '../expand/context.ts';

/**
 * single-key lookups take a file (or socket) and a key: `${lookup{key}lsearch{/file}}`.
 * query-style lookups take one query string: `${lookup dnsdb{mx=example.com}}`.
 */
export type LookupStyle = 'single-key' | 'query';

export interface LookupRequest {
  /** single-key: the file/database name (absolute path); query: unused. */
  file?: string;
  /** single-key: the key; query: the whole query text. */
  key: string;
  /** Options after a comma in the type, e.g. "ret=key" or dsearch's "filter=dir". */
  options: Map<string, string>;
  ctx: ExpandContext;
  /** query: the query holds tainted data (quoted for this lookup type), so a file name taken from it is tainted. */
  queryTainted?: boolean;
}

/**
 * A successful lookup gives the data string; `null` means "not found" (a
 * lookup failure in Exim's terms); throwing LookupDefer means a temporary
 * problem (Exim's DEFER), which the expander turns into an expansion failure.
 * A lookup that has to wait uses ctx.memo.need() (util/suspend.ts).
 */
export interface LookupDriver {
  name: string;
  style: LookupStyle;
  /** Check the file/query before first use (e.g. absolute path); throws LookupError with Exim's text. */
  check?(req: LookupRequest): void;
  find(req: LookupRequest): string | null;
  /** Quote a string for use inside a query of this type (${quote_<name>:...}). */
  quote?(s: string, opt?: string): string;
  /** True when results may be cached per file+key within one process. */
  cacheable?: boolean;
}

/** A temporary failure: Exim defers. */
export class LookupDefer extends Error {
  override name = 'LookupDefer';
}

/** A configuration/usage error of a lookup (bad file name, unsupported type). */
export class LookupError extends Error {
  override name = 'LookupError';
}

/**
 * The lookup's file or database could not be opened (Exim's search_open
 * failing). In an expansion it fails the expansion like any LookupError; in
 * a list it is fatal to the process in Exim (see src/log/panic-die.ts).
 */
export class LookupOpenError extends LookupError {
  override name = 'LookupOpenError';
}
