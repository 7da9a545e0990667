// Byte-wise text operators: case, length, the escaping/quoting family,
// xtext decoding and UTF-8 cleaning/conversion. Exim's "C locale" rules: only
// ASCII letters change case and only ASCII counts as alphanumeric/printable.

import { decodeBytes, encodeBytes, isAscii } from './bytes.ts';

const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;

export function lowerCase(s: string): string {
  if (!UPPER.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

export function upperCase(s: string): string {
  if (!LOWER.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 32) : s[i];
  }
  return out;
}

export function byteCount(s: string): string {
  return String(isAscii(s) ? s.length : encodeBytes(s).length);
}

/** The bytes of s up to (not including) a zero byte: Exim's strings end there. */
function cBytes(s: string): Uint8Array {
  const b = isAscii(s) ? Buffer.from(s, 'latin1') : encodeBytes(s);
  const nul = b.indexOf(0);
  return nul >= 0 ? b.subarray(0, nul) : b;
}

function octal(c: number): string {
  return '\\' + c.toString(8).padStart(3, '0');
}

const NEEDS_ESCAPE = /[^\t\x20-\x7e]/;

/** ${escape:..}: non-printing bytes as C-style escapes (tab is left alone). */
export function escapeNonPrinting(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (const c of cBytes(s)) {
    if ((c >= 0x20 && c <= 0x7e) || c === 0x09) out += String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0b) out += '\\v';
    else if (c === 0x0c) out += '\\f';
    else out += octal(c);
  }
  return out;
}

/** ${escape8bit:..}: bytes >= 127 and backslash as octal escapes. */
export function escape8bit(s: string): string {
  let out = '';
  for (const c of cBytes(s)) out += c < 127 && c !== 0x5c ? String.fromCharCode(c) : octal(c);
  return out;
}

/** ${hexquote:..}: bytes outside 33..126 as \xNN. */
export function hexQuote(s: string): string {
  let out = '';
  for (const c of cBytes(s)) out += c < 33 || c > 126 ? '\\x' + c.toString(16).padStart(2, '0') : String.fromCharCode(c);
  return out;
}

function isAlnumByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** ${rxquote:..}: a backslash before every non-alphanumeric byte. */
export function regexQuote(s: string): string {
  const bytes = cBytes(s);
  const out: number[] = [];
  for (const c of bytes) {
    if (!isAlnumByte(c)) out.push(0x5c);
    out.push(c);
  }
  return decodeBytes(Uint8Array.from(out));
}

const QUOTE_SAFE = /^[A-Za-z0-9_.-]+$/;
const LOCAL_PART_SAFE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/;

function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else out += ch === '\\' || ch === '"' ? '\\' + ch : ch;
  }
  return out + '"';
}

/** ${quote:..}: double-quoted unless empty-free and only letters, digits, _ . - */
export function quoteString(s: string): string {
  return QUOTE_SAFE.test(s) ? s : quoted(s);
}

/** ${quote_local_part:..}: quoted only where RFC 2822 requires it for a local part. */
export function quoteLocalPart(s: string): string {
  const safe = LOCAL_PART_SAFE.test(s) && s[0] !== '.' && s[s.length - 1] !== '.';
  return safe ? s : quoted(s);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** ${xtextd:..}: RFC 3461 xtext decoding; a "+" without two hex digits stays as it is. */
export function xtextDecode(s: string): string {
  if (s.indexOf('+') < 0) return s;
  const b = cBytes(s);
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const hi = b[i] === 0x2b ? hexValue(b[i + 1] ?? 0) : -1;
    const lo = hi >= 0 ? hexValue(b[i + 2] ?? 0) : -1;
    if (hi >= 0 && lo >= 0) {
      out.push((hi << 4) | lo);
      i += 2;
    } else {
      out.push(b[i]);
    }
  }
  return decodeBytes(Uint8Array.from(out));
}

/** ${utf8clean:..}: each invalid UTF-8 sequence becomes "?", with Exim's exact resynchronisation. */
export function utf8Clean(s: string): string {
  if (isAscii(s)) return s;
  const b = cBytes(s);
  const out: number[] = [];
  let bytesLeft = 0;
  let codepoint = 0;
  let seq: number[] = [];
  for (const c of b) {
    let complete = 0; // 0: going on, 1: bad continuation byte, -1: bad sequence
    if (bytesLeft) {
      if ((c & 0xc0) !== 0x80) {
        complete = 1;
      } else {
        codepoint = (codepoint << 6) | (c & 0x3f);
        seq.push(c);
        if (--bytesLeft === 0) {
          if (codepoint > 0x10ffff || (codepoint & 0x1ff800) === 0xd800) complete = -1;
          else out.push(...seq);
        }
      }
    } else {
      if (!(c & 0x80)) {
        out.push(c);
        continue;
      }
      if ((c & 0xe0) === 0xc0) {
        if (c === 0xc0 || c === 0xc1) complete = -1;
        else { bytesLeft = 1; codepoint = c & 0x1f; }
      } else if ((c & 0xf0) === 0xe0) {
        bytesLeft = 2; codepoint = c & 0x0f;
      } else if ((c & 0xf8) === 0xf0) {
        bytesLeft = 3; codepoint = c & 0x07;
      } else {
        complete = -1;
      }
      seq = [c];
    }
    if (complete !== 0) {
      bytesLeft = 0;
      out.push(0x3f);
    }
    if (complete === 1 && !(c & 0x80)) out.push(c);
  }
  if (bytesLeft !== 0) out.push(0x3f);
  return decodeBytes(Uint8Array.from(out));
}

/** ${from_utf8:..}: UTF-8 to ISO-8859-1; code points above 255 become "_". */
export function fromUtf8(s: string): string {
  if (isAscii(s)) return s;
  const b = cBytes(s);
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    let c = b[i];
    if (c >= 0xc0) {
      // as Exim's GETUTF8INC: the lead byte says how many bytes follow
      const extra = c >= 0xfc ? 5 : c >= 0xf8 ? 4 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
      c &= 0x3f >> extra;
      for (let k = 0; k < extra && i + 1 < b.length; k++) c = (c << 6) | (b[++i] & 0x3f);
    }
    out.push(c > 255 ? 0x5f : c);
  }
  return decodeBytes(Uint8Array.from(out));
}
