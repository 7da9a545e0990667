// The small JSON reader behind ${extract json...} and forall_json: Exim
// returns the raw text of a member or element, not a re-serialised value.

import { ExpandError } from './errors.ts';

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** End index of the raw value starting at i: up to a top-level ',' or the closing bracket. */
function valueEnd(s: string, i: number, close: string): number {
  let depth = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return c === close ? i : -1;
      depth--;
    } else if (c === ',' && depth === 0) return i;
    i++;
  }
  return -1;
}

/** The raw elements of a JSON array. */
export function jsonArrayElements(text: string, what = 'extract json'): string[] {
  let i = 0;
  while (isWs(text[i])) i++;
  const err = (): never => { throw new ExpandError(`missing ']' wrapping array for ${what}`); };
  if (text[i] !== '[') err();
  i++;
  const out: string[] = [];
  for (;;) {
    while (isWs(text[i])) i++;
    if (text[i] === ']' && out.length === 0) return out;
    const end = valueEnd(text, i, ']');
    if (end < 0) err();
    out.push(text.slice(i, end));
    if (text[end] === ']') return out;
    i = end + 1;
  }
}

/** The raw value of member `key` of a JSON object, or null. */
export function jsonObjectMember(text: string, key: string): string | null {
  let i = 0;
  while (isWs(text[i])) i++;
  const err = (): never => { throw new ExpandError("missing '}' wrapping object for extract json"); };
  if (text[i] !== '{') throw new ExpandError("missing '{' wrapping object for extract json");
  i++;
  for (;;) {
    while (isWs(text[i])) i++;
    if (text[i] === '}') return null;
    if (text[i] !== '"') err();
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    if (j >= text.length) err();
    const name = text.slice(i + 1, j);
    i = j + 1;
    while (isWs(text[i])) i++;
    if (text[i] !== ':') throw new ExpandError('missing object value-separator for extract json');
    i++;
    while (isWs(text[i])) i++;
    const end = valueEnd(text, i, '}');
    if (end < 0) err();
    if (name === key) return text.slice(i, end);
    if (text[end] === '}') return null;
    i = end + 1;
  }
}

/** jsons: the value must be a JSON string; its quotes are removed (no unescaping, as Exim). */
export function jsonUnquote(v: string): string {
  const t = v.trimEnd();
  if (t.length < 2 || t[0] !== '"' || t[t.length - 1] !== '"') {
    throw new ExpandError(`missing '"' wrapping string result for extract jsons`);
  }
  return t.slice(1, -1);
}
