// ${op:subject} and ${op_N_M:subject}: which operator a name means, and the
// call. The operator functions live in operators/ (a separate module); the
// few that need the expander itself (expand, eval, eval10, listnamed,
// quote_<lookup>) are here or in the evaluator.

import { ExpandError } from './errors.ts';
import type { ExpandContext } from './context.ts';
import { OPERATORS } from './operators/index.ts';
import { evalArith } from './eval-arith.ts';
import { findDriver } from '../lookups/spec.ts';

/** Operator names whose underscore is part of the name (Exim's table of these). */
const UNDERSCORE_NAMES = new Set([
  'from_utf8', 'local_part', 'quote_local_part', 'reverse_ip', 'time_eval', 'time_interval',
  'utf8_domain_from_alabel', 'utf8_domain_to_alabel', 'utf8_localpart_from_alabel', 'utf8_localpart_to_alabel',
]);

/** Operators Exim knows by their base name (before any _suffix). */
const BASE_NAMES = new Set([
  'address', 'addresses', 'base32', 'base32d', 'base62', 'base62d', 'base64', 'base64d', 'domain', 'escape',
  'escape8bit', 'eval', 'eval10', 'expand', 'h', 'hash', 'headerwrap', 'hex2b64', 'hexquote', 'ipv6denorm',
  'ipv6norm', 'l', 'lc', 'length', 'listcount', 'listnamed', 'mask', 'md5', 'nh', 'nhash', 'quote', 'randint',
  'rfc2047', 'rfc2047d', 'rxquote', 's', 'sha1', 'sha2', 'sha256', 'sha3', 'stat', 'str2b64', 'strlen', 'substr',
  'uc', 'utf8clean', 'xtextd',
]);

const ABBREV: Record<string, string> = { h: 'hash', l: 'length', s: 'substr', nh: 'nhash' };
const NUMERIC_SUFFIX = new Set(['hash', 'length', 'substr', 'nhash']);

/** The base operator and raw suffix for a name, or null when Exim does not know it. */
export function isKnownOperator(name: string): { base: string; arg?: string } | null {
  if (UNDERSCORE_NAMES.has(name)) return { base: name };
  const u = name.indexOf('_');
  const base = u < 0 ? name : name.slice(0, u);
  if (!BASE_NAMES.has(base)) return null;
  return { base: ABBREV[base] ?? base, arg: u < 0 ? undefined : name.slice(u + 1) };
}

/** Check a numeric suffix of hash/length/substr/nhash as Exim does. */
function checkSuffix(name: string, base: string, arg: string | undefined): void {
  if (arg === undefined) {
    if (name !== base) throw new ExpandError(`missing values after ${name}`);
    throw new ExpandError(`Not enough arguments for '${base}' (min is 2)`);
  }
  const parts = arg.split('_');
  const re = base === 'substr' ? /^-?\d+$/ : /^\d+$/;
  if (parts.length > (base === 'length' ? 1 : 2) || !parts.every((p) => re.test(p))) {
    throw new ExpandError(`non-digit after underscore in "${name}"`);
  }
}

/**
 * Apply an operator that does not need the expander. expand/listnamed are the
 * evaluator's (they need its state) and are not handled here.
 */
export function applyOperator(name: string, base: string, arg: string | undefined, subject: string, ctx: ExpandContext): string {
  if (NUMERIC_SUFFIX.has(base)) checkSuffix(name, base, arg);
  switch (base) {
    case 'eval':
    case 'eval10':
      return evalArith(subject, base === 'eval10');
    case 'quote':
      if (arg !== undefined) return quoteForLookup(arg, subject);
      break;
  }
  const fn = UNDERSCORE_NAMES.has(name) ? OPERATORS.get(name) : (OPERATORS.get(name) ?? OPERATORS.get(base));
  if (!fn) throw new ExpandError(`expansion operator "${name}" is not implemented in tern`);
  return fn(subject, ctx, name === base ? undefined : arg);
}

/** ${quote_<lookup>[_<opt>]:...}: the lookup driver's own quoting. */
function quoteForLookup(arg: string, subject: string): string {
  const u = arg.indexOf('_');
  const type = u < 0 ? arg : arg.slice(0, u);
  const opt = u < 0 ? undefined : arg.slice(u + 1);
  let driver;
  try {
    driver = findDriver(type);
  } catch (e) {
    throw new ExpandError((e as Error).message);
  }
  if (!driver.quote) {
    if (opt !== undefined) throw new ExpandError(`"${opt}" unrecognized after "\${quote_${type}"`);
    return subject;
  }
  return driver.quote(subject, opt);
}
