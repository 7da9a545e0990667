// Typed access to the main options the SMTP server reads.

import type { Config } from '../../config/types.ts';

export function optBool(config: Config, name: string): boolean {
  const v = config.getOption(name);
  return v.kind === 'bool' ? v.value : false;
}

export function optNumber(config: Config, name: string, dflt = 0): number {
  const v = config.getOption(name);
  if (v.kind === 'number') return v.value;
  if (v.kind === 'string' && /^\d+$/.test(v.value)) return Number(v.value);
  return dflt;
}

/** A string option; undefined when unset. */
export function optString(config: Config, name: string): string | undefined {
  const v = config.getOption(name);
  switch (v.kind) {
    case 'unset': return undefined;
    case 'string': case 'ids': return v.value;
    case 'number': return String(v.value);
    case 'bool': return v.value ? 'true' : 'false';
    case 'times': return v.value.join(':');
  }
}

/** A time option in milliseconds (times are stored in seconds). */
export function optTimeMs(config: Config, name: string, dflt: number): number {
  const v = config.getOption(name);
  if (v.kind === 'number') return v.value * 1000;
  if (v.kind === 'times' && v.value.length > 0) return v.value[0] * 1000;
  return dflt;
}
