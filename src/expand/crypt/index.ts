// The crypteq condition: compare a clear-text password with a stored one in
// Exim's forms: {md5} and {sha1} (base64 or hex digests), {crypt},
// {crypt16}, or no prefix (crypt(3): traditional DES, $1$, $5$, $6$).

import { createHash, timingSafeEqual } from 'node:crypto';
import { ExpandError } from '../errors.ts';
import { encodeBytes } from '../operators/bytes.ts';
import { desCrypt } from './des.ts';
import { md5Crypt, shaCrypt } from './modular.ts';

export { desCrypt } from './des.ts';
export { md5Crypt, shaCrypt } from './modular.ts';

function passwordBytes(subject: string): Buffer {
  const b = encodeBytes(subject);
  const nul = b.indexOf(0);
  return nul >= 0 ? b.subarray(0, nul) : b;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function digestMatches(alg: 'md5' | 'sha1', subject: string, stored: string, b64Len: number, hexLen: number): boolean {
  const d = createHash(alg).update(passwordBytes(subject)).digest();
  if (stored.length === b64Len) return sameText(d.toString('base64'), stored);
  if (stored.length === hexLen) return sameText(d.toString('hex'), stored.toLowerCase());
  return false;
}

/** crypt(3) as glibc/libxcrypt does it for the schemes we know; undefined where crypt fails with EINVAL. */
export function systemCrypt(password: Uint8Array, setting: string): string | undefined {
  const pw = Buffer.from(password);
  if (setting.startsWith('$1$')) return md5Crypt(pw, setting);
  if (setting.startsWith('$5$') || setting.startsWith('$6$')) return shaCrypt(pw, setting);
  if (/^\$(2[abxy]?|y|gy|7|sha1|md5)\$/.test(setting)) {
    const scheme = setting.slice(0, setting.indexOf('$', 1) + 1);
    throw new ExpandError(`crypt error: the ${scheme} password scheme is not supported by tern`);
  }
  if (setting.startsWith('$') || setting.startsWith('_')) return undefined;
  return desCrypt(pw, setting);
}

/** Exim's own crypt16(): DES crypt of the first 8 bytes, then of the next 8 salted by that result. */
export function crypt16(password: Uint8Array, setting: string): string | undefined {
  const first = desCrypt(password, setting);
  if (first === undefined) return undefined;
  let res = first.slice(0, 13);
  if (password.length > 8) {
    const second = desCrypt(password.subarray(8), res.slice(2, 4));
    if (second === undefined) return undefined;
    res += second.slice(2, 13);
  }
  return res;
}

/** ${if crypteq{subject}{encrypted}...}: whether subject encrypts to `encrypted`. */
export function crypteq(subject: string, encrypted: string): boolean {
  const lower = encrypted.slice(0, 9).toLowerCase();
  if (lower.startsWith('{md5}')) return digestMatches('md5', subject, encrypted.slice(5), 24, 32);
  if (lower.startsWith('{sha1}')) return digestMatches('sha1', subject, encrypted.slice(6), 28, 40);
  let stored = encrypted;
  let which: 'default' | 'crypt' | 'crypt16' = 'default';
  if (lower.startsWith('{crypt}')) {
    stored = encrypted.slice(7);
    which = 'crypt';
  } else if (lower.startsWith('{crypt16}')) {
    stored = encrypted.slice(9);
    which = 'crypt16';
  } else if (encrypted[0] === '{') {
    throw new ExpandError(`unknown encryption mechanism in "${encrypted}"`);
  }
  const pw = passwordBytes(subject);
  const coded = which === 'crypt16' ? crypt16(pw, stored) : systemCrypt(pw, stored);
  // fewer than two characters cannot hold a salt: never a match
  if (coded === undefined || stored.length < 2) return false;
  return sameText(coded, stored);
}
