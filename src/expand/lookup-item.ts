// ${lookup{key}type{file}{yes}{no}} and ${lookup type{query}{yes}{no}}:
// the static checks of the type text, and the lookup itself through the
// lookups subsystem (which owns partial-/*/*@ and ret=key handling).

import { parseLookupSpec } from '../lookups/spec.ts';
import { runLookup, type LookupResult } from '../lookups/helpers.ts';
import { LookupDefer, LookupError } from '../lookups/types.ts';
import type { ExpandContext } from './context.ts';
import { ExpandError, LookupFailure } from './errors.ts';

/** Exim's complaint about a lookup type as written, or null when it is usable. */
export function checkLookupSpec(text: string, hasKey: boolean): string | null {
  let spec;
  try {
    spec = parseLookupSpec(text);
  } catch (e) {
    if (e instanceof LookupError) return e.message;
    throw e;
  }
  if (hasKey && spec.driver.style === 'query') {
    return `a single key was given for lookup type "${spec.name}", which is not a single-key lookup type`;
  }
  if (!hasKey && spec.driver.style === 'single-key') return `missing {key} for single-key "${spec.name}" lookup`;
  return null;
}

/** Run the lookup; null is "not found". Lookup errors and deferrals become expansion failures. */
export function doLookupItem(
  specText: string, key: string | undefined, fileOrQuery: string, fileTainted: boolean, ctx: ExpandContext,
  quotedFor?: string,
): LookupResult | null {
  try {
    const spec = parseLookupSpec(specText);
    if (key === undefined) {
      // A query built from tainted data must have been quoted by the lookup's own quoter.
      if (fileTainted && spec.driver.quote && quotedFor !== spec.name) throw new ExpandError('tainted search query is not properly quoted');
      return runLookup(spec, fileOrQuery, ctx, { fileTainted });
    }
    // Exim refuses a tainted file name with an empty message (it logs the reason).
    if (fileTainted) throw new ExpandError('');
    return runLookup(spec, key, ctx, { file: fileOrQuery, fileTainted });
  } catch (e) {
    if (e instanceof LookupDefer) throw new LookupFailure(`lookup of "${key ?? fileOrQuery}" gave DEFER: ${e.message}`, true);
    if (e instanceof LookupError) throw new LookupFailure(e.message);
    throw e;
  }
}
