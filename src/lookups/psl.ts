// psl and regdom: Public Suffix List lookups (new in the 4.99 spec). The
// file is the publicsuffix.org format: one rule a line (read up to the first
// white space), "//" comments, "*." wildcard rules and "!" exception rules.
// psl gives the public suffix of the key, regdom the registered domain (the
// suffix plus one label; not found when the key is itself a public suffix).
// Matching is on lower-cased A-labels; the answer is the matching number of
// trailing labels of the key as given, so it keeps the key's A-/U-label form.

import { readFileSync, statSync } from 'node:fs';
import { domainToASCII } from 'node:url';
import { lookupFile } from './file-cache.ts';
import { openFailed } from './file-errors.ts';
import { registerLookup } from './registry.ts';
import { LookupError, type LookupRequest } from './types.ts';

interface Rules {
  exact: Set<string>;
  /** "*.ck" is stored as "ck": any one label below it is part of the suffix. */
  wild: Set<string>;
  /** "!www.ck" is stored as "www.ck". */
  exceptions: Set<string>;
}

/** Lower-cased A-label form of a domain, or null when it has none. */
function toAscii(domain: string): string | null {
  // Plain ASCII needs no IDNA round trip (and keeps "_" and friends).
  const ascii = /^[\x21-\x7e]*$/.test(domain) ? domain.toLowerCase() : domainToASCII(domain);
  return ascii === '' ? null : ascii;
}

export function parsePsl(text: string): Rules {
  const rules: Rules = { exact: new Set(), wild: new Set(), exceptions: new Set() };
  for (const raw of text.split('\n')) {
    const rule = raw.trim().split(/\s/, 1)[0];
    if (rule === '' || rule.startsWith('//')) continue;
    if (rule.startsWith('!')) {
      const a = toAscii(rule.slice(1));
      if (a) rules.exceptions.add(a);
    } else if (rule.startsWith('*.')) {
      const a = toAscii(rule.slice(2));
      if (a) rules.wild.add(a);
    } else if (rule === '*') {
      // The implicit default rule; nothing to store.
    } else {
      const a = toAscii(rule);
      if (a) rules.exact.add(a);
    }
  }
  return rules;
}

function load(file: string): Rules {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new LookupError(`${file} is not a regular file (psl lookup)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof LookupError) throw err;
    throw new LookupError(openFailed(file, 'psl lookup', err));
  }
  return parsePsl(text);
}

/**
 * The number of trailing labels of `domain` that form its public suffix,
 * by the publicsuffix.org algorithm (an exception rule wins, otherwise the
 * longest matching rule, otherwise the implicit "*"); 0 when the domain is
 * not a usable name.
 */
export function suffixLabels(rules: Rules, domain: string): number {
  const ascii = toAscii(SEPARATOR.test(domain.slice(-1)) ? domain.slice(0, -1) : domain);
  if (!ascii) return 0;
  const labels = ascii.split('.');
  if (labels.some((l) => l === '')) return 0;
  let best = 1;
  for (let k = labels.length; k >= 1; k--) {
    const tail = labels.slice(labels.length - k).join('.');
    if (rules.exceptions.has(tail)) return k - 1;
    if (k > best && rules.exact.has(tail)) best = k;
    if (k > best && k >= 2 && rules.wild.has(labels.slice(labels.length - k + 1).join('.'))) best = k;
  }
  return best;
}

/** IDNA label separators: "." and its ideographic and full-width forms. */
const SEPARATOR = /[.\u3002\uff0e\uff61]/;

/** The last n labels of the key as written (without a trailing dot), or null when it has fewer. */
function lastLabels(key: string, n: number): string | null {
  const name = SEPARATOR.test(key.slice(-1)) ? key.slice(0, -1) : key;
  let seen = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    if (SEPARATOR.test(name[i]) && ++seen === n) return name.slice(i + 1);
  }
  return seen + 1 === n ? name : null;
}

const lists = lookupFile('psl', load);

function finder(extra: number) {
  return (req: LookupRequest): string | null => {
    const n = suffixLabels(lists.of(req), req.key);
    return n === 0 ? null : lastLabels(req.key, n + extra);
  };
}

registerLookup({ name: 'psl', style: 'single-key', check: lists.check, find: finder(0) });
registerLookup({ name: 'regdom', style: 'single-key', check: lists.check, find: finder(1) });
