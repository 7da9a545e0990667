// Reading a router's options: as set on the instance, else the default of
// its driver's or the generic table. Expanded options are expanded when
// used, with the address's variables in place.

import { findDriverOption } from '../config/options.ts';
import type { DriverInstance } from '../config/types.ts';
import { ExpandError, ForcedFail, expandStringAsync } from '../expand/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { listTracer } from '../lists/trace.ts';

/** A failure to expand a router option: the address is deferred with this text. */
export class RouterOptionError extends Error {}

/** The option's text as written, or its default; undefined when unset. */
export function rawOption(r: DriverInstance, name: string): string | undefined {
  const set = r.options.get(name);
  if (set) {
    if (set.value.kind === 'bool') return set.value.value ? 'true' : 'false';
    return set.raw;
  }
  const def = findDriverOption('routers', r.driver, name);
  if (!def) throw new Error(`${name} is not an option of the ${r.driver} router`);
  return def.default ?? undefined;
}

export function isSet(r: DriverInstance, name: string): boolean {
  return r.options.has(name);
}

/** A plain (unexpanded) boolean option. */
export function boolOption(r: DriverInstance, name: string): boolean {
  const set = r.options.get(name);
  if (set?.value.kind === 'bool') return set.value.value;
  const text = rawOption(r, name);
  return text !== undefined && /^(true|yes|)$/i.test(text);
}

/**
 * Expand an option; undefined when unset. A forced failure gives undefined
 * when `forcedIsUnset` (most options: "treated as unset"), else it throws.
 */
export async function expandOption(r: DriverInstance, name: string, ctx: ExpandContext, forcedIsUnset = true): Promise<string | undefined> {
  const text = rawOption(r, name);
  if (text === undefined) return undefined;
  // list checks inside an option's expansion trace one level in, as Exim's do
  const tracer = listTracer(ctx);
  const level = tracer?.level ?? 0;
  if (tracer) tracer.level = level + 1;
  try {
    return await expandStringAsync(text, ctx);
  } catch (e) {
    if (e instanceof ForcedFail) {
      if (forcedIsUnset) return undefined;
      throw e;
    }
    if (e instanceof ExpandError) throw new RouterOptionError(`failed to expand "${text}" in ${r.name} router: ${e.message}`, { cause: e });
    throw e;
  } finally {
    if (tracer) tracer.level = level;
  }
}

/** An expanded boolean option (more, unseen): yes/no/true/false, or a number. */
export async function expandedBool(r: DriverInstance, name: string, ctx: ExpandContext): Promise<boolean> {
  const set = r.options.get(name);
  if (set?.value.kind === 'bool') return set.value.value;
  const v = await expandOption(r, name, ctx);
  if (v === undefined) return rawOption(r, name) === 'true';
  const l = v.trim().toLowerCase();
  if (l === 'true' || l === 'yes' || l === '') return true;
  if (l === 'false' || l === 'no') return false;
  if (/^\d+$/.test(l)) return Number(l) !== 0;
  throw new RouterOptionError(`"${v}" is not a valid value for the "${name}" option in the ${r.name} router`);
}
