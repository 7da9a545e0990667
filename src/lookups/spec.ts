// Lookup type specifications as written in configurations and expansions:
//   [partial[N](-|(prefix))]type[*|*@][,name=value...]
// e.g. "partial2-lsearch*@,ret=key" or "dsearch,filter=dir". Parsed specs are
// cached by their text: the same few specs are used over and over.

import { getLookup, UNSUPPORTED_LOOKUPS } from './registry.ts';
import { LookupError, type LookupDriver } from './types.ts';

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
      const close = text.indexOf(')', pos + 1);
      if (close < 0) throw new LookupError(`format error in lookup type "${text}"`);
      prefix = text.slice(pos + 1, close);
      pos = close + 1;
    } else {
      throw new LookupError(`format error in lookup type "${text}"`);
    }
    partial = { min: digits === '' ? 2 : Number(digits), prefix };
  }
  let end = pos;
  while (end < text.length && text[end] !== '*' && text[end] !== ',') end++;
  const name = text.slice(pos, end);
  let defaultKey: '*' | '*@' | undefined;
  if (text[end] === '*') {
    if (text[end + 1] === '@') {
      defaultKey = '*@';
      end += 2;
    } else {
      defaultKey = '*';
      end += 1;
    }
  }
  const options = new Map<string, string>();
  if (end < text.length) {
    if (text[end] !== ',') throw new LookupError(`format error in lookup type "${text}"`);
    for (const opt of text.slice(end + 1).split(',')) {
      const trimmed = opt.trim();
      if (trimmed === '') continue;
      const eq = trimmed.indexOf('=');
      if (eq < 0) options.set(trimmed, '');
      else options.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
    }
  }
  if (name === '') throw new LookupError(`format error in lookup type "${text}"`);
  const driver = findDriver(name);
  if (driver.style === 'query') {
    if (partial) throw new LookupError(`"partial" is not permitted for lookup type "${name}"`);
    if (defaultKey) throw new LookupError(`defaults using "*" or "*@" are not permitted for lookup type "${name}${defaultKey}"`);
  }
  return { text, name, driver, partial, defaultKey, options };
}
