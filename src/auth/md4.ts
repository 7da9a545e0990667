// MD4 (RFC 1320), which NTLM needs for its password hash. OpenSSL 3 keeps
// MD4 in its legacy provider, which Node does not load, so tern has its own.

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** The 16-byte MD4 digest of data. */
export function md4(data: Uint8Array): Buffer {
  // Padding: a 1 bit, zeros to 56 mod 64, then the bit length (64-bit little-endian).
  const padded = Buffer.alloc(((data.length + 8) >> 6 << 6) + 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const bits = data.length * 8;
  padded.writeUInt32LE(bits >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bits / 2 ** 32), padded.length - 4);

  let a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
  const x = new Array<number>(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readInt32LE(off + 4 * i);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const f = (p: number, q: number, r: number): number => (p & q) | (~p & r);
    const g = (p: number, q: number, r: number): number => (p & q) | (p & r) | (q & r);
    const h = (p: number, q: number, r: number): number => p ^ q ^ r;
    // Round 1: words in order, shifts 3 7 11 19.
    for (const k of [0, 4, 8, 12]) {
      a = rotl(a + f(b, c, d) + x[k], 3);
      d = rotl(d + f(a, b, c) + x[k + 1], 7);
      c = rotl(c + f(d, a, b) + x[k + 2], 11);
      b = rotl(b + f(c, d, a) + x[k + 3], 19);
    }
    // Round 2: words by column, shifts 3 5 9 13.
    for (const k of [0, 1, 2, 3]) {
      a = rotl(a + g(b, c, d) + x[k] + 0x5a827999, 3);
      d = rotl(d + g(a, b, c) + x[k + 4] + 0x5a827999, 5);
      c = rotl(c + g(d, a, b) + x[k + 8] + 0x5a827999, 9);
      b = rotl(b + g(c, d, a) + x[k + 12] + 0x5a827999, 13);
    }
    // Round 3: words in bit-reversed order, shifts 3 9 11 15.
    for (const k of [0, 2, 1, 3]) {
      a = rotl(a + h(b, c, d) + x[k] + 0x6ed9eba1, 3);
      d = rotl(d + h(a, b, c) + x[k + 8] + 0x6ed9eba1, 9);
      c = rotl(c + h(d, a, b) + x[k + 4] + 0x6ed9eba1, 11);
      b = rotl(b + h(c, d, a) + x[k + 12] + 0x6ed9eba1, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}
