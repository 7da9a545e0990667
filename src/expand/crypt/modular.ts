// The "modular" crypt(3) schemes of glibc: $1$ (MD5-crypt) and $5$/$6$
// (SHA-crypt, with optional rounds=N). Written from the published algorithms.

import { createHash } from 'node:crypto';
import { CRYPT_ALPHABET } from './des.ts';

function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += CRYPT_ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return out;
}

function digest(alg: string, ...parts: Uint8Array[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** $1$salt$hash (salt up to 8 characters, ending at "$"). */
export function md5Crypt(pw: Buffer, setting: string): string {
  const saltText = setting.slice(3).split('$')[0].slice(0, 8);
  const salt = Buffer.from(saltText, 'latin1');
  const magic = Buffer.from('$1$');
  const alt = digest('md5', pw, salt, pw);
  const parts: Buffer[] = [pw, magic, salt];
  for (let i = pw.length; i > 0; i -= 16) parts.push(alt.subarray(0, Math.min(16, i)));
  for (let i = pw.length; i; i >>= 1) parts.push(i & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  let fin = digest('md5', ...parts);
  for (let i = 0; i < 1000; i++) {
    const p: Buffer[] = [];
    p.push(i & 1 ? pw : fin);
    if (i % 3) p.push(salt);
    if (i % 7) p.push(pw);
    p.push(i & 1 ? fin : pw);
    fin = digest('md5', ...p);
  }
  const f = fin;
  const enc = b64From24(f[0], f[6], f[12], 4) + b64From24(f[1], f[7], f[13], 4) + b64From24(f[2], f[8], f[14], 4)
    + b64From24(f[3], f[9], f[15], 4) + b64From24(f[4], f[10], f[5], 4) + b64From24(0, 0, f[11], 2);
  return `$1$${saltText}$${enc}`;
}

const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;

function repeatTo(src: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += src.length) src.copy(out, i, 0, Math.min(src.length, len - i));
  return out;
}

// Output byte order of SHA-crypt's base-64 encoding, in groups of three.
const ORDER_256 = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26],
  [27, 7, 17], [18, 28, 8], [9, 19, 29]];
const ORDER_512 = [[0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35],
  [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41]];

/** $5$ / $6$ [rounds=N$] salt $ hash. */
export function shaCrypt(pw: Buffer, setting: string): string {
  const is512 = setting.startsWith('$6$');
  const alg = is512 ? 'sha512' : 'sha256';

  let rest = setting.slice(3);
  let rounds = ROUNDS_DEFAULT;
  let customRounds = false;
  const rm = /^rounds=(\d+)\$/.exec(rest);
  if (rm) {
    rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Number(rm[1])));
    customRounds = true;
    rest = rest.slice(rm[0].length);
  }
  const saltText = rest.split('$')[0].slice(0, 16);
  const salt = Buffer.from(saltText, 'latin1');
  const b = digest(alg, pw, salt, pw);
  const aParts: Buffer[] = [pw, salt, repeatTo(b, pw.length)];
  for (let i = pw.length; i > 0; i >>= 1) aParts.push(i & 1 ? b : pw);
  let a = digest(alg, ...aParts);
  const dp = repeatTo(digest(alg, ...new Array<Buffer>(pw.length).fill(pw)), pw.length);
  const ds = repeatTo(digest(alg, ...new Array<Buffer>(16 + a[0]).fill(salt)), salt.length);
  for (let i = 0; i < rounds; i++) {
    const p: Buffer[] = [];
    p.push(i & 1 ? dp : a);
    if (i % 3) p.push(ds);
    if (i % 7) p.push(dp);
    p.push(i & 1 ? a : dp);
    a = digest(alg, ...p);
  }
  let enc = '';
  for (const [x, y, z] of is512 ? ORDER_512 : ORDER_256) enc += b64From24(a[x], a[y], a[z], 4);
  enc += is512 ? b64From24(0, 0, a[63], 2) : b64From24(0, a[31], a[30], 3);
  return `${setting.slice(0, 3)}${customRounds ? `rounds=${rounds}$` : ''}${saltText}$${enc}`;
}
