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

/** The base operator and raw suffix for a name, or null when Exim does not know it. */
export function isKnownOperator(name: string): { base: string; arg?: string } | null {
  if (UNDERSCORE_NAMES.has(name)) return { base: name };
  const u = name.indexOf('_');
  const base = u < 0 ? name : name.slice(0, u);
  if (!BASE_NAMES.has(base)) return null;
  return { base: ABBREV[base] ?? base, arg: u < 0 ? undefined : name.slice(u + 1) };
}

/**
 * Apply an operator that does not need the expander. expand/listnamed are the
 * evaluator's (they need its state) and are not handled here.
 */
export function applyOperator(name: string, base: string, arg: string | undefined, subject: string, ctx: ExpandContext): string {
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
  const builtin = FOREIGN_QUOTERS[type];
  if (builtin) {
    if (opt !== undefined && !(type === 'ldap' && opt === 'dn')) throw new ExpandError(`"${opt}" unrecognized after "\${quote_${type}"`);
    return builtin(subject, opt);
  }
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

// Quoting of lookup types tern does not provide (their quoting is still usable in strings).
const SQL_ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '"': '\\"', '\\': '\\\\' };
const URL_SAFE = /[A-Za-z0-9\-_.!~*'()]/;
const hex2 = (c: number): string => c.toString(16).toUpperCase().padStart(2, '0');
function urlByte(ch: string): string {
  return URL_SAFE.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => '%' + hex2(b)).join('');
}
function ldapQuote(s: string, opt?: string): string {
  let out = '';
  const chars = [...s];
  chars.forEach((ch, i) => {
    if (opt === 'dn') {
      const special = '\\"+,;<>'.includes(ch) || ((ch === ' ' || ch === '#') && i === 0) || (ch === ' ' && i === chars.length - 1);
      out += (special ? '%5C' : '') + urlByte(ch);
    } else if (ch === '\0' || '*()\\'.includes(ch)) {
      out += '%5C' + hex2(ch.charCodeAt(0));
    } else {
      out += urlByte(ch);
    }
  });
  return out;
}
const FOREIGN_QUOTERS: Record<string, (s: string, opt?: string) => string> = {
  mysql: (s) => s.replace(/[\n\t\r\b"\\']/g, (c) => (c === "'" ? "\\'" : SQL_ESCAPES[c])),
  pgsql: (s) => s.replace(/[\n\t\r\b"\\']/g, (c) => (c === "'" ? "''" : SQL_ESCAPES[c])),
  ldap: ldapQuote,
  passwd: (s) => s,
  nis: (s) => s,
};
