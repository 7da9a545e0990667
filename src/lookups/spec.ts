// Lookup type specifications as written in configurations and expansions:
//   [partial[N](-|(prefix))]type[*|*@][,name=value...]
// e.g. "partial2-lsearch*@,ret=key" or "dsearch,filter=dir". Parsed specs are
// cached by their text: the same few specs are used over and over.

import { getLookup, UNSUPPORTED_LOOKUPS } from './registry.ts';
import { LookupError, type LookupDriver } from './types.ts';
import { unsupportedDriver } from './unsupported.ts';

export interface PartialMatch {
  /** Minimum number of non-wild components kept (partialN-; default 2). */
  min: number;
  /** Prefix put in front of shortened keys (default "*."). */
  prefix: string;
}

export interface LookupSpec {
  /** The text the spec was parsed from. */
  text: string;
  name: string;
  driver: LookupDriver;
  partial?: PartialMatch;
  /** "*": look up "*" when all else fails; "*@": first "*@domain", then "*". */
  defaultKey?: '*' | '*@';
  options: Map<string, string>;
}

const cache = new Map<string, LookupSpec>();
const CACHE_MAX = 1000;

export function parseLookupSpec(text: string): LookupSpec {
  const hit = cache.get(text);
  if (hit) return hit;
  const spec = parseUncached(text);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(text, spec);
  return spec;
}

/** The driver for a bare type name, with Exim's error for unknown names. */
export function findDriver(name: string): LookupDriver {
  const driver = getLookup(name);
  if (driver) return driver;
  const missing = unsupportedDriver(name);
  if (missing) return missing;
  if (UNSUPPORTED_LOOKUPS.has(name)) throw new LookupError(`lookup type "${name}" is not supported`);
  throw new LookupError(`unknown lookup type "${name}"`);
}

function parseUncached(text: string): LookupSpec {
  let pos = 0;
  let partial: PartialMatch | undefined;
  if (text.startsWith('partial')) {
    pos = 7;
    let digits = '';
    while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') digits += text[pos++];
    let prefix: string;
    if (text[pos] === '-') {
      prefix = '*.';
      pos++;
    } else if (text[pos] === '(') {
      // The affix may hold only punctuation characters.
      let close = pos + 1;
      while (close < text.length && isPunct(text.charCodeAt(close)) && text[close] !== ')') close++;
      if (text[close] !== ')') throw new LookupError(`format error in lookup type "${text}"`);
      prefix = text.slice(pos + 1, close);
      pos = close + 1;
    } else {
      throw new LookupError(`format error in lookup type "${text}"`);
    }
    partial = { min: digits === '' ? 2 : Number(digits), prefix };
  }
  // As Exim: the name ends at the first '*' (anything between it and a
  // later ',' is ignored) or at the first ',' after that point.
  const star = text.indexOf('*', pos);
  let defaultKey: '*' | '*@' | undefined;
  let end = text.length;
  if (star >= 0) {
    end = star;
    defaultKey = text[star + 1] === '@' ? '*@' : '*';
  }
  const comma = text.indexOf(',', star >= 0 ? star : pos);
  if (comma >= 0 && comma < end) end = comma;
  const name = text.slice(pos, end);
  const options = new Map<string, string>();
  if (comma >= 0) {
    for (const opt of text.slice(comma + 1).split(',')) {
      const trimmed = opt.trim();
      if (trimmed === '') continue;
      const eq = trimmed.indexOf('=');
      if (eq < 0) options.set(trimmed, '');
      else options.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
    }
  }
  const driver = findDriver(name);
  if (driver.style === 'query') {
    if (partial) throw new LookupError(`"partial" is not permitted for lookup type "${name}"`);
    if (defaultKey) throw new LookupError(`defaults using "*" or "*@" are not permitted for lookup type "${name}${defaultKey}"`);
  }
  return { text, name, driver, partial, defaultKey, options };
}

/** C's ispunct() in the C locale: printable ASCII that is neither alphanumeric nor space. */
function isPunct(c: number): boolean {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}
