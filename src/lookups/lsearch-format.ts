// The text format shared by lsearch, wildlsearch, nwildlsearch and
// iplsearch: one record per logical line "key[:] data", continuation lines
// start with white space (joined with one space), blank and # lines end a
// record (any indented lines after them until the next key are ignored, as
// Exim does), keys end at ':' or white space unless double-quoted (then
// backslash escapes apply and an optional ':' may follow).

import { readFileSync, statSync } from 'node:fs';
import { LookupError, LookupOpenError } from './types.ts';
import { openFailed } from './file-errors.ts';

export interface LsearchRecord {
  /** The key as written (de-quoted), original case. */
  key: string;
  /** The data: after the key, optional ':' and white space; continuations joined. */
  data: string;
  /** De-quoted key followed by the raw rest of the line and continuations (iplsearch ret=full). */
  full: string;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && isSpace(s[e - 1])) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Interpret one backslash escape at s[i] (s[i] === '\\'); returns [char, next index]. */
export function interpretEscape(s: string, i: number): [string, number] {
  const c = s[i + 1];
  if (c === undefined) return ['\\', i + 1];
  if (c >= '0' && c <= '7') {
    let j = i + 1;
    let v = 0;
    while (j < s.length && j < i + 4 && s[j] >= '0' && s[j] <= '7') v = v * 8 + (s.charCodeAt(j++) - 48);
    return [String.fromCharCode(v & 0xff), j];
  }
  if (c === 'x') {
    let j = i + 2;
    let v = 0;
    while (j < s.length && j < i + 4 && /[0-9a-fA-F]/.test(s[j])) v = v * 16 + parseInt(s[j++], 16);
    return [String.fromCharCode(v), j];
  }
  const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  return [simple[c] ?? c, i + 2];
}

/** Split a key off the start of a (non-indented) line: [key, index after key]. */
export function readKey(line: string): [string, number] {
  if (line[0] === '"') {
    let key = '';
    let i = 1;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\') {
        const [ch, next] = interpretEscape(line, i);
        key += ch;
        i = next;
      } else {
        key += line[i++];
      }
    }
    if (i < line.length) i++;
    return [key, i];
  }
  let i = 0;
  while (i < line.length && line[i] !== ':' && !isSpace(line[i])) i++;
  return [line.slice(0, i), i];
}

/** A record's answer: with ret=full the de-quoted key and the rest of its line, else the data. */
export function recordAnswer(rec: LsearchRecord, options: Map<string, string>): string {
  return options.get('ret') === 'full' ? rec.full : rec.data;
}

export function parseLsearchText(text: string): LsearchRecord[] {
  const lines = text.split('\n');
  const records: LsearchRecord[] = [];
  let current: LsearchRecord | null = null;
  let closed = false;
  for (const raw of lines) {
    const line = trimEnd(raw);
    if (line === '' || line[0] === '#') {
      closed = true;
      continue;
    }
    if (isSpace(line[0])) {
      if (current && !closed) {
        let i = 0;
        while (isSpace(line[i])) i++;
        const piece = ' ' + line.slice(i);
        current.data += piece;
        current.full += piece;
      }
      continue;
    }
    const [key, after] = readKey(line);
    let i = after;
    while (i < line.length && isSpace(line[i])) i++;
    if (line[i] === ':') {
      i++;
      while (i < line.length && isSpace(line[i])) i++;
    }
    current = { key, data: line.slice(i), full: key + line.slice(after) };
    closed = false;
    records.push(current);
  }
  return records;
}

/**
 * Read an lsearch-format file. Open failures are errors with Exim's texts
 * ("failed to open ... for linear search: ...", "... is not a regular file").
 */
export function readLsearchFile(file: string, _kind: string): LsearchRecord[] {
  let text: string;
  try {
    // Exim's shared open routine names "lsearch" whichever type uses it.
    if (!statSync(file).isFile()) throw new LookupError(`${file} is not a regular file (lsearch lookup)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof LookupError) throw err;
    throw new LookupOpenError(openFailed(file, 'linear search', err));
  }
  return parseLsearchText(text);
}

/** ASCII-only lower-casing, as Exim's caseless comparisons use. */
export function asciiLower(s: string): string {
  // Fast path: most keys are already lower case ASCII.
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}
