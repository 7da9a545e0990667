// Matching one subject string against one "string" pattern, the part common
// to domain and local-part list items and to wildlsearch keys:
//   ^regex            regular expression (caseless unless told otherwise)
//   *suffix           ends with
//   type;data         a lookup: single-key types look the subject up in the
//                     file "data"; query-style types run the query "data"
//   anything else     a literal (caseless when asked)

import type { ExpandContext } from '../expand/context.ts';
import { runLookup } from '../lookups/helpers.ts';
import { asciiLower } from '../lookups/lsearch-format.ts';
import { parseLookupSpec } from '../lookups/spec.ts';
import { LookupDefer, LookupError, LookupOpenError } from '../lookups/types.ts';
import { PanicDie } from '../log/panic-die.ts';
import { listRegex } from './regex.ts';
import { FAIL, type ItemOutcome } from './types.ts';

/** Split "type;data" into its parts, or null when the item has no ';'. */
export function splitLookupItem(item: string): { type: string; data: string } | null {
  const semi = item.indexOf(';');
  if (semi < 0) return null;
  return { type: item.slice(0, semi).trim(), data: item.slice(semi + 1).trim() };
}

/** Run a list-item lookup, mapping lookup errors to a defer outcome. */
export function lookupItem(type: string, data: string, key: string, ctx: ExpandContext, noPartial = false): ItemOutcome {
  try {
    const spec = parseLookupSpec(type);
    const res =
      spec.driver.style === 'query'
        ? runLookup(spec, data, ctx)
        : runLookup(spec, key, ctx, { file: data }, { noPartial });
    return res ? { r: 'ok', data: res.value } : FAIL;
  } catch (err) {
    // a file that cannot be opened is fatal in a list, as in Exim
    if (err instanceof LookupOpenError) throw new PanicDie(err.message);
    if (err instanceof LookupDefer || err instanceof LookupError) return { r: 'defer', message: err.message };
    throw err;
  }
}

export function regexOutcome(subject: string, pattern: string, caseless: boolean): ItemOutcome {
  let m: (string | undefined)[] | null;
  try {
    m = listRegex(pattern, caseless).exec(subject);
  } catch (err) {
    return { r: 'defer', message: err instanceof Error ? err.message : String(err) };
  }
  if (!m) return FAIL;
  return { r: 'ok', data: pattern, captures: m.map((x) => x ?? '') };
}

function endsWith(subject: string, suffix: string, caseless: boolean): boolean {
  if (suffix.length > subject.length) return false;
  const tail = subject.slice(subject.length - suffix.length);
  return caseless ? asciiLower(tail) === asciiLower(suffix) : tail === suffix;
}

/** "*suffix": match data is the item; $0 the subject, $1 the part the star stood for. */
export function starOutcome(subject: string, item: string, caseless: boolean): ItemOutcome {
  const suffix = item.slice(1);
  if (!endsWith(subject, suffix, caseless)) return FAIL;
  return { r: 'ok', data: item, captures: [subject, subject.slice(0, subject.length - suffix.length)] };
}

export function matchStringItem(subject: string, item: string, ctx: ExpandContext, caseless: boolean): ItemOutcome {
  if (item[0] === '^') return regexOutcome(subject, item, caseless);
  if (item[0] === '*') return starOutcome(subject, item, caseless);
  const lk = splitLookupItem(item);
  if (lk) return lookupItem(lk.type, lk.data, subject, ctx);
  const same = caseless ? asciiLower(subject) === asciiLower(item) : subject === item;
  return same ? { r: 'ok', data: item } : FAIL;
}
