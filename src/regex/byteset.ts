// A set of byte values 0..255: what a PCRE2 character class, escape or
// literal means in non-UTF mode with the default C-locale tables (ASCII-only
// case folding and character types, as Exim's PCRE2 is run).

export class ByteSet {
  private readonly bits = new Uint32Array(8);

  static of(...codes: number[]): ByteSet {
    const s = new ByteSet();
    for (const c of codes) s.add(c);
    return s;
  }

  static range(lo: number, hi: number): ByteSet {
    return new ByteSet().addRange(lo, hi);
  }

  static all(): ByteSet {
    return ByteSet.range(0, 255);
  }

  add(c: number): this {
    this.bits[c >> 5]! |= 1 << (c & 31);
    return this;
  }

  addRange(lo: number, hi: number): this {
    for (let c = lo; c <= hi; c++) this.add(c);
    return this;
  }

  addSet(other: ByteSet): this {
    for (let i = 0; i < 8; i++) this.bits[i]! |= other.bits[i]!;
    return this;
  }

  has(c: number): boolean {
    return (this.bits[c >> 5]! & (1 << (c & 31))) !== 0;
  }

  complement(): ByteSet {
    const s = new ByteSet();
    for (let i = 0; i < 8; i++) s.bits[i] = ~this.bits[i]! >>> 0;
    return s;
  }

  /** Adds the other case of every ASCII letter in the set. */
  foldCase(): this {
    for (let c = 0x41; c <= 0x5a; c++) {
      if (this.has(c)) this.add(c + 32);
      else if (this.has(c + 32)) this.add(c);
    }
    return this;
  }

  size(): number {
    let n = 0;
    for (let c = 0; c < 256; c++) if (this.has(c)) n++;
    return n;
  }

  /** The single member, or -1 when the set has zero or several members. */
  single(): number {
    let found = -1;
    for (let c = 0; c < 256; c++) {
      if (!this.has(c)) continue;
      if (found >= 0) return -1;
      found = c;
    }
    return found;
  }

  /** Maximal runs of members, as [lo, hi] pairs. */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    let c = 0;
    while (c < 256) {
      if (!this.has(c)) { c++; continue; }
      const lo = c;
      while (c < 256 && this.has(c)) c++;
      out.push([lo, c - 1]);
    }
    return out;
  }
}

const digit = ByteSet.range(0x30, 0x39);
const upper = ByteSet.range(0x41, 0x5a);
const lower = ByteSet.range(0x61, 0x7a);
const alpha = new ByteSet().addSet(upper).addSet(lower);
const alnum = new ByteSet().addSet(alpha).addSet(digit);
const word = new ByteSet().addSet(alnum).add(0x5f);
const space = ByteSet.of(0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20);
const graph = ByteSet.range(0x21, 0x7e);
const punct = new ByteSet();
for (let c = 0x21; c <= 0x7e; c++) if (!alnum.has(c)) punct.add(c);

/** Sets named by backslash escapes (lower-case letter; the upper-case escape is the complement). */
export const ESCAPE_SETS: Readonly<Record<string, ByteSet>> = {
  d: digit,
  w: word,
  s: space,
  h: ByteSet.of(0x09, 0x20, 0xa0),
  v: ByteSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85),
};

/** POSIX classes for [[:name:]], as PCRE2's default tables define them. */
export const POSIX_SETS: Readonly<Record<string, ByteSet>> = {
  alnum,
  alpha,
  ascii: ByteSet.range(0, 0x7f),
  blank: ByteSet.of(0x09, 0x20),
  cntrl: ByteSet.range(0, 0x1f).add(0x7f),
  digit,
  graph,
  lower,
  print: ByteSet.range(0x20, 0x7e),
  punct,
  space,
  upper,
  word,
  xdigit: new ByteSet().addSet(digit).addRange(0x41, 0x46).addRange(0x61, 0x66),
};

export const NEWLINE = 0x0a;
