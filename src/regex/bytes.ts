// Exim runs PCRE2 without UTF mode: patterns and subjects are byte strings.
// tern holds text as JS strings, so non-ASCII text is matched as its UTF-8
// bytes, one byte per UTF-16 unit (a "byte string", every unit <= 0xFF).
// `.` then matches one byte of "é" as in Exim. Bytes go to and from strings
// by the expander's convention (expand/operators/bytes.ts): a byte that is
// not part of valid UTF-8, such as half of a split "é", is held as an
// escaped raw byte, so it comes out unchanged, as Exim hands it over.

import { decodeBytes, encodeBytes } from '../expand/operators/bytes.ts';

const NON_ASCII = /[^\x00-\x7f]/;
const SURROGATE = /[\ud800-\udfff]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

export function toByteString(s: string): string {
  if (isAscii(s)) return s;
  // Only strings holding escaped raw bytes (or stray surrogates) need the slow path.
  const bytes = SURROGATE.test(s) ? encodeBytes(s) : Buffer.from(s, 'utf8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

export function fromByteString(b: string): string {
  if (isAscii(b)) return b;
  const bytes = Buffer.from(b, 'latin1');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeBytes(bytes);
  }
}
