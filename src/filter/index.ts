// Filter files: which language a redirection text is written in, and the
// entry points of the two interpreters.

export type FilterKind = 'exim' | 'sieve';

/**
 * "# Exim filter" or "# Sieve filter" (any case, white space optional) as
 * the first text marks a filter; anything else is a plain redirection list.
 */
export function detectFilter(text: string): FilterKind | undefined {
  const m = /^\s*#\s*(exim|sieve) filter/i.exec(text);
  return m ? (m[1].toLowerCase() as FilterKind) : undefined;
}

export { runEximFilter, outcomeText, type EximFilterEnv } from './exim/run.ts';
export { runSieveFilter, type SieveEnv } from './sieve/run.ts';
export type { AutoReply, FilterDelivery, FilterOutcome, FilterResult } from './types.ts';
