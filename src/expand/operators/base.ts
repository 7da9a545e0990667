// Number and byte encodings: base32/base62 of unsigned 64-bit integers (as
// Exim's message-id characters), base64 of bytes, hex to base64.

import { ExpandError } from '../errors.ts';
import { decodeBytes, encodeBytes, isAscii } from './bytes.ts';

const BASE32_CHARS = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE62_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const U64 = (1n << 64n) - 1n;
const STRTOUL = /^[ \t\n\v\f\r]*([+-]?)(\d*)$/;

/** C's strtoul on the whole string; undefined if anything follows the digits. */
function parseUnsignedLong(text: string): bigint | undefined {
  const m = STRTOUL.exec(text);
  if (!m) return undefined;
  if (m[2] === '') return m[1] === '' ? 0n : undefined;
  let v = BigInt(m[2]);
  if (v > U64) v = U64; // strtoul saturates on overflow
  return m[1] === '-' ? (-v) & U64 : v;
}

export function base32Encode(subject: string): string {
  let n = parseUnsignedLong(subject);
  if (n === undefined) throw new ExpandError(`argument for base32 operator is "${subject}", which is not a decimal number`);
  let out = '';
  for (; n > 0n; n >>= 5n) out = BASE32_CHARS[Number(n & 31n)] + out;
  return out;
}

export function base62Encode(subject: string): string {
  let n = parseUnsignedLong(subject);
  if (n === undefined) throw new ExpandError(`argument for base62 operator is "${subject}", which is not a decimal number`);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62_CHARS[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function baseDecode(subject: string, chars: string, base: number, name: string): string {
  let n = 0n;
  const b = BigInt(base);
  for (const ch of subject) {
    const d = chars.indexOf(ch);
    if (d < 0) throw new ExpandError(`argument for ${name} operator is "${subject}", which is not a base ${base} number`);
    n = (n * b + BigInt(d)) & U64;
  }
  return BigInt.asIntN(64, n).toString(); // printed with %ld
}

export function base32Decode(subject: string): string {
  return baseDecode(subject, BASE32_CHARS, 32, 'base32d');
}

export function base62Decode(subject: string): string {
  return baseDecode(subject, BASE62_CHARS, 62, 'base62d');
}

export function base64Encode(subject: string): string {
  return (isAscii(subject) ? Buffer.from(subject, 'latin1') : encodeBytes(subject)).toString('base64');
}

const B64_WELL_FORMED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITE = /[ \t\n\v\f\r]+/g;

export function base64Decode(subject: string): string {
  const compact = subject.replace(WHITE, '');
  if (!B64_WELL_FORMED.test(compact)) throw new ExpandError(`string "${subject}" is not well-formed for "base64d" operator`);
  const bytes = Buffer.from(compact, 'base64');
  // Exim's result is a C string: it ends at the first zero byte.
  const nul = bytes.indexOf(0);
  return decodeBytes(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

const HEX = /^[0-9a-fA-F]*$/;

export function hexToBase64(subject: string): string {
  if (!HEX.test(subject)) throw new ExpandError(`"${subject}" is not a hex string`);
  if (subject.length % 2 !== 0) throw new ExpandError(`"${subject}" contains an odd number of characters`);
  return Buffer.from(subject, 'hex').toString('base64');
}
