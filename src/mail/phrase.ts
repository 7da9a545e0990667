// A display name ("phrase") made fit for a header line, as Exim does for
// names it puts into From: and Sender: (-F, the gecos field, /name= of
// control = submission): left alone when it is already a valid phrase,
// quoted when it holds specials, RFC 2047-encoded when it holds
// non-printing characters.

import { rfc2047Encode } from '../expand/operators/rfc2047.ts';

const SPECIALS = new Set(['(', ')', '<', '>', '@', ',', ';', ':', '\\', '.', '[', ']']);

/** `name` is a JavaScript string in the expander's byte convention. */
export function fixPhrase(name: string, charset = 'UTF-8'): string {
  // Any control or non-ASCII character: the whole name as an encoded word.
  if (/[^\x20-\x7e]/.test(name)) return rfc2047Encode(name, charset);
  let out = '';
  let needsQuotes = false;
  let i = 0;
  while (i < name.length) {
    const c = name[i];
    if (c === '"') {
      // A quoted string is copied; an unterminated one is closed.
      let j = i + 1;
      while (j < name.length && name[j] !== '"') j += name[j] === '\\' ? 2 : 1;
      out += name.slice(i, Math.min(j + 1, name.length)) + (j >= name.length ? '"' : '');
      i = j + 1;
    } else if (c === '(') {
      // A comment is copied as it is.
      let depth = 0;
      let j = i;
      for (; j < name.length; j++) {
        if (name[j] === '\\') { j++; continue; }
        if (name[j] === '(') depth++;
        else if (name[j] === ')' && --depth === 0) break;
      }
      if (j >= name.length) needsQuotes = true;
      out += name.slice(i, j + 1);
      i = j + 1;
    } else {
      if (SPECIALS.has(c)) needsQuotes = true;
      out += c;
      i++;
    }
  }
  if (!needsQuotes) return out;
  return '"' + name.replace(/"/g, '\\"') + '"';
}
