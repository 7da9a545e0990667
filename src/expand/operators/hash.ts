// The numeric-argument string functions shared by the operator forms
// (${hash_3_62:..}, ${length_5:..}, ${substr_1_2:..}, ${nhash_8_64:..}) and
// the item forms (${hash{3}{62}{..}} ...). All work on bytes, as Exim does.

import { ExpandError } from '../errors.ts';
import { decodeBytes, encodeBytes, isAscii } from './bytes.ts';

// Exim's table of hash characters (62 of them). Note "rts": Exim's table has
// s and t swapped, and its results are what configurations depend on.
const HASH_CODES = 'abcdefghijklmnopqrtsuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// Weights of the numeric hash, used from the end backwards (the first is never used).
const NHASH_PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
  73, 79, 83, 89, 97, 101, 103, 107, 109, 113];

/** ${hash{n}{m}{s}}: n characters from the first m of HASH_CODES (m < 0: 26). */
export function hashString(subject: string, n: number, m = -1): string {
  if (m < 0) m = 26;
  else if (m > HASH_CODES.length) throw new ExpandError(`hash count "${m}" too big`);
  const bytes = encodeBytes(subject);
  if (n >= bytes.length) return subject;
  if (n < 0) throw new ExpandError(`"${n}" is not a positive number (in "hash" expansion)`);
  if (m === 0) throw new ExpandError('hash count "0" is zero');
  if (n === 0) return '';
  const acc = new Uint8Array(n);
  acc.set(bytes.subarray(0, n));
  let i = 0;
  for (let j = n; j < bytes.length; j++) {
    const c = bytes[j];
    const shift = (c + j) & 7;
    acc[i] ^= (c << shift) | (c >> (8 - shift));
    if (++i >= n) i = 0;
  }
  let out = '';
  for (let k = 0; k < n; k++) out += HASH_CODES[acc[k] % m];
  return out;
}

/** ${nhash{n}{m}{s}}: "x" in 0..n-1, or "x/y" when m >= 0. */
export function nhashString(subject: string, n: number, m = -1): string {
  const bytes = encodeBytes(subject);
  let total = 0;
  let i = 0;
  for (let k = 0; k < bytes.length; k++) {
    if (i === 0) i = NHASH_PRIMES.length - 1;
    total += NHASH_PRIMES[i--] * bytes[k];
  }
  // Exim computes in unsigned long: a negative int divisor wraps to a huge one.
  const asUnsigned = (v: number): bigint => (v < 0 ? (1n << 64n) + BigInt(v) : BigInt(v));
  if (m < 0) {
    if (n === 0) throw new ExpandError('division by zero in "nhash" expansion');
    return (BigInt(total) % asUnsigned(n)).toString();
  }
  const prod = Math.imul(n, m);
  if (prod === 0) throw new ExpandError('division by zero in "nhash" expansion');
  const t = BigInt(total) % asUnsigned(prod);
  const mm = asUnsigned(m);
  return `${t / mm}/${t % mm}`;
}

/** ${substr{start}{len}{s}}: len < 0 means "not given". Offsets count bytes. */
export function substrString(subject: string, start: number, len = -1): string {
  const ascii = isAscii(subject);
  const bytes = ascii ? undefined : encodeBytes(subject);
  const size = bytes ? bytes.length : subject.length;
  let v1 = start;
  let v2 = len;
  if (v1 < 0) {
    v1 += size;
    if (v1 < 0) {
      v2 += v1;
      if (v2 < 0) v2 = 0;
      v1 = 0;
    } else if (v2 < 0) {
      v2 = v1;
      v1 = 0;
    }
  } else if (v1 > size) {
    v1 = size;
    v2 = 0;
  } else if (v2 < 0) {
    v2 = size;
  }
  if (v1 + v2 > size) v2 = size - v1;
  if (v1 === 0 && v2 === size) return subject;
  return bytes ? decodeBytes(bytes.subarray(v1, v1 + v2)) : subject.slice(v1, v1 + v2);
}

/** ${length{n}{s}}: the first n bytes. */
export function lengthString(subject: string, n: number): string {
  return substrString(subject, 0, n);
}

/**
 * A number argument of the item forms, parsed as C's strtol and cast to int:
 * leading white space and a sign are allowed, trailing junk is not.
 * `position` 0 is the first argument (may be negative), others must be >= 0.
 */
export function parseItemNumber(text: string, itemName: string, mustBePositive: boolean): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(text);
  let value = 0;
  if (m) value = toCInt(BigInt(m[1] === '-' ? `-${m[2]}` : m[2]));
  if (!m || (mustBePositive && value < 0)) {
    throw new ExpandError(`"${text}" is not a${mustBePositive ? ' positive' : ''} number (in "${itemName}" expansion)`);
  }
  return value;
}

// strtol saturates at the long range; the result is then truncated to a 32-bit int.
function toCInt(v: bigint): number {
  const LONG_MAX = (1n << 63n) - 1n;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, v));
}

export type NumericOperator = 'hash' | 'nhash' | 'length' | 'substr';

/**
 * Apply an operator form such as hash_3_62 / length_5 / substr_-1 / nhash_8_64.
 * `name` is the operator as written (for messages; it may be an abbreviation
 * like "h" or "s"), `suffix` the text after its first underscore.
 */
export function numericOperator(kind: NumericOperator, name: string, suffix: string | undefined, subject: string): string {
  const fullName = suffix === undefined ? name : `${name}_${suffix}`;
  if (suffix === undefined) throw new ExpandError(`missing values after ${fullName}`);
  let value1 = 0;
  let value2 = -1;
  let second = false; // which value digits go into
  if (kind === 'length') {
    second = true;
    value2 = 0;
  }
  let sign = 1;
  let p = 0;
  if (kind === 'substr' && suffix[0] === '-') {
    sign = -1;
    p = 1;
  }
  const startP = p;
  while (p < suffix.length) {
    const ch = suffix.charCodeAt(p);
    if (p !== startP && ch === 0x5f /* _ */ && !second) {
      second = true;
      value2 = 0;
      if (p + 1 < suffix.length) p++;
    } else if (ch < 0x30 || ch > 0x39) {
      throw new ExpandError(`non-digit after underscore in "${fullName}"`);
    } else {
      if (second) value2 = (Math.imul(value2, 10) + ch - 0x30) | 0;
      else value1 = (Math.imul(value1, 10) + ch - 0x30) | 0;
      p++;
    }
  }
  value1 *= sign;
  switch (kind) {
    case 'hash': return hashString(subject, value1, value2);
    case 'nhash': return nhashString(subject, value1, value2);
    default: return substrString(subject, value1, value2);
  }
}
