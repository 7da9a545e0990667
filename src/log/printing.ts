// Exim's "printing" form of a string for logs: characters outside 32-126 are
// written as escapes (\n \r \t \f \b \v, else \ooo octal per byte), so one log
// entry stays one line. Bytes follow tern's string convention (UTF-8, raw
// bytes as U+DC80..U+DCFF; see expand/operators/bytes.ts). With
// print_topbitchars, bytes above 127 are left as they are.

import { encodeBytes } from '../expand/operators/bytes.ts';

const NAMED: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

function octal(byte: number): string {
  return '\\' + byte.toString(8).padStart(3, '0');
}

export function stringPrinting(s: string, opts: { topBitChars?: boolean; keepTab?: boolean } = {}): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c <= 0x7e) || (c === 9 && opts.keepTab)) out += ch;
    else if (c < 0x80) out += NAMED[c] ?? octal(c);
    else if (opts.topBitChars) out += ch;
    else for (const b of encodeBytes(ch)) out += octal(b);
  }
  return out;
}
