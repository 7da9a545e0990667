// ${eval:...} and ${eval10:...}: Exim's integer expression evaluator.
// Arithmetic is on signed 64-bit integers with C's behaviour as Exim shows it:
// products and differences wrap, a sum that overflows is an error, shift
// counts are taken modulo 64, division truncates toward zero, numbers that
// are too big clamp to the 64-bit limits (as sscanf does).

import { ExpandError } from './errors.ts';

const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);
const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const clamp = (v: bigint): bigint => (v > MAX ? MAX : v < MIN ? MIN : v);

class ArithError extends Error {}

class Evaluator {
  private p = 0;
  private depth = 0;
  private readonly s: string;
  private readonly decimal: boolean;
  constructor(s: string, decimal: boolean) {
    this.s = s;
    this.decimal = decimal;
  }

  private ws(): void {
    const s = this.s;
    while (this.p < s.length && (s[this.p] === ' ' || s[this.p] === '\t' || s[this.p] === '\n' || s[this.p] === '\r' || s[this.p] === '\f' || s[this.p] === '\v')) this.p++;
  }

  run(): bigint {
    const v = this.or();
    if (this.p < this.s.length) throw new ArithError('expecting operator');
    return v;
  }

  private or(): bigint {
    let v = this.xor();
    while (this.s[this.p] === '|') { this.p++; v = v | this.xor(); }
    return v;
  }
  private xor(): bigint {
    let v = this.and();
    while (this.s[this.p] === '^') { this.p++; v = v ^ this.and(); }
    return v;
  }
  private and(): bigint {
    let v = this.shift();
    while (this.s[this.p] === '&') { this.p++; v = v & this.shift(); }
    return v;
  }
  private shift(): bigint {
    let v = this.sum();
    for (;;) {
      const two = this.s.slice(this.p, this.p + 2);
      if (two !== '<<' && two !== '>>') return v;
      this.p += 2;
      const n = this.sum() & 63n;
      v = two === '<<' ? wrap(v << n) : v >> n;
    }
  }
  private sum(): bigint {
    let v = this.mult();
    for (;;) {
      const c = this.s[this.p];
      if (c !== '+' && c !== '-') return v;
      this.p++;
      const r = this.mult();
      if (c === '+') {
        const t = v + r;
        if (t > MAX || t < MIN) throw new ArithError('overflow in sum');
        v = t;
      } else {
        v = wrap(v - r);
      }
    }
  }
  private mult(): bigint {
    let v = this.unary();
    for (;;) {
      const c = this.s[this.p];
      if (c !== '*' && c !== '/' && c !== '%') return v;
      this.p++;
      const r = this.unary();
      if (c === '*') v = wrap(v * r);
      else {
        if (r === 0n) throw new ArithError(c === '/' ? 'divide by zero' : 'modulo by zero');
        if (r === -1n && v === MIN) v = MAX;
        else v = c === '/' ? v / r : v % r;
      }
    }
  }
  private unary(): bigint {
    this.ws();
    const c = this.s[this.p];
    let v: bigint;
    if (c === '-' || c === '~' || c === '+') {
      this.p++;
      if (++this.depth > 1000) throw new ArithError('expression nested too deeply');
      const inner = this.unary();
      this.depth--;
      v = c === '-' ? wrap(-inner) : c === '~' ? ~inner : inner;
      return v;
    }
    v = this.number();
    this.ws();
    return v;
  }
  private number(): bigint {
    const s = this.s;
    if (s[this.p] === '(') {
      this.p++;
      if (++this.depth > 1000) throw new ArithError('expression nested too deeply');
      const v = this.or();
      this.depth--;
      this.ws();
      if (s[this.p] !== ')') throw new ArithError('expecting closing parenthesis');
      this.p++;
      return v;
    }
    const start = this.p;
    let v: bigint;
    if (this.decimal) {
      const m = /^\d+/.exec(s.slice(start, start + 400));
      if (!m) throw new ArithError('expecting number or opening parenthesis');
      this.p += m[0].length;
      v = clamp(BigInt(m[0]));
    } else {
      // sscanf("%lli") semantics: 0x hex (the prefix alone reads as 0), leading 0 octal, else decimal.
      const rest = s.slice(start, start + 400);
      let m: RegExpExecArray | null;
      if ((m = /^0[xX]([0-9a-fA-F]*)/.exec(rest))) {
        this.p += m[0].length;
        v = m[1] === '' ? 0n : clamp(BigInt('0x' + m[1]));
      } else if ((m = /^0[0-7]*/.exec(rest))) {
        this.p += m[0].length;
        v = clamp(BigInt('0o' + (m[0].slice(1) || '0')));
      } else if ((m = /^\d+/.exec(rest))) {
        this.p += m[0].length;
        v = clamp(BigInt(m[0]));
      } else {
        throw new ArithError('expecting number or opening parenthesis');
      }
    }
    const suffix = s[this.p];
    if (suffix === 'k' || suffix === 'K') { v = wrap(v * 1024n); this.p++; }
    else if (suffix === 'm' || suffix === 'M') { v = wrap(v * 1048576n); this.p++; }
    else if (suffix === 'g' || suffix === 'G') { v = wrap(v * 1073741824n); this.p++; }
    return v;
  }

  get consumed(): string {
    return this.s.slice(0, this.p);
  }
}

/**
 * The same grammar on JavaScript numbers, for the usual small expressions:
 * it gives up (returns null) as soon as a value could leave the range where
 * doubles are exact integers, an operation needs 64-bit semantics (shifts,
 * bitwise operations on wide values) or anything is wrong, and the BigInt
 * evaluator then does the whole expression, errors included.
 */
class FastEvaluator {
  private p = 0;
  private depth = 0;
  private readonly s: string;
  private readonly decimal: boolean;
  constructor(s: string, decimal: boolean) {
    this.s = s;
    this.decimal = decimal;
  }

  /** The character code at i, or -1 past the end (an out-of-range charCodeAt is slow in optimised code). */
  private c(i: number): number {
    return i < this.s.length ? this.s.charCodeAt(i) : -1;
  }

  private ws(): void {
    for (;;) {
      const c = this.c(this.p);
      if (c === 32 || (c >= 9 && c <= 13)) this.p++;
      else return;
    }
  }

  run(): number {
    const v = this.or();
    if (this.p < this.s.length) throw GIVE_UP;
    return v;
  }

  private or(): number {
    let v = this.xor();
    while (this.c(this.p) === 124 /* | */) { this.p++; v = int32(v) | int32(this.xor()); }
    return v;
  }
  private xor(): number {
    let v = this.and();
    while (this.c(this.p) === 94 /* ^ */) { this.p++; v = int32(v) ^ int32(this.and()); }
    return v;
  }
  private and(): number {
    let v = this.shift();
    while (this.c(this.p) === 38 /* & */) { this.p++; v = int32(v) & int32(this.shift()); }
    return v;
  }
  private shift(): number {
    const v = this.sum();
    const c = this.c(this.p);
    if ((c === 60 || c === 62) && this.c(this.p + 1) === c) throw GIVE_UP;
    return v;
  }
  private sum(): number {
    let v = this.mult();
    for (;;) {
      const c = this.c(this.p);
      if (c !== 43 && c !== 45) return v;
      this.p++;
      const r = this.mult();
      v = exact(c === 43 ? v + r : v - r);
    }
  }
  private mult(): number {
    let v = this.unary();
    for (;;) {
      const c = this.c(this.p);
      if (c !== 42 && c !== 47 && c !== 37) return v;
      this.p++;
      const r = this.unary();
      if (c === 42) v = exact(v * r);
      else if (r === 0) throw GIVE_UP;
      else if (c === 37) v = v % r; // exact, and signed like C's
      else {
        const q = Math.trunc(v / r);
        // the quotient of the doubles may be rounded: check it as C would compute it
        const rem = v - exact(q * r);
        if (Math.abs(rem) >= Math.abs(r) || (rem !== 0 && (rem < 0) !== (v < 0))) throw GIVE_UP;
        v = q;
      }
    }
  }
  private unary(): number {
    this.ws();
    const c = this.c(this.p);
    if (c === 45 || c === 126 || c === 43) {
      this.p++;
      if (++this.depth > 1000) throw GIVE_UP;
      const inner = this.unary();
      this.depth--;
      return c === 45 ? -inner : c === 126 ? -inner - 1 : inner;
    }
    const v = this.number();
    this.ws();
    return v;
  }
  private number(): number {
    if (this.c(this.p) === 40 /* ( */) {
      this.p++;
      if (++this.depth > 1000) throw GIVE_UP;
      const v = this.or();
      this.depth--;
      this.ws();
      if (this.c(this.p) !== 41) throw GIVE_UP;
      this.p++;
      return v;
    }
    const start = this.p;
    // decimal only: a leading 0 means octal or hex to %lli, which the full evaluator reads
    if (!this.decimal && this.c(start) === 48 && isDigit(this.c(start + 1))) throw GIVE_UP;
    if (!this.decimal && this.c(start) === 48 && (this.c(start + 1) | 32) === 120) throw GIVE_UP;
    let v = 0;
    while (isDigit(this.c(this.p))) v = v * 10 + this.c(this.p++) - 48;
    if (this.p === start || this.p - start > 15) throw GIVE_UP;
    const suffix = this.c(this.p) | 32;
    if (suffix === 107 /* k */) { v = exact(v * 1024); this.p++; }
    else if (suffix === 109 /* m */) { v = exact(v * 1048576); this.p++; }
    else if (suffix === 103 /* g */) { v = exact(v * 1073741824); this.p++; }
    return v;
  }
}

const GIVE_UP = new Error('arithmetic needs 64 bits');
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
function exact(v: number): number {
  if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) throw GIVE_UP;
  return v;
}
function int32(v: number): number {
  if ((v | 0) !== v) throw GIVE_UP;
  return v;
}

/** Evaluate an expression; eval10 (decimal) takes every number as decimal. */
export function evalArith(expr: string, decimal: boolean): string {
  try {
    const v = new FastEvaluator(expr, decimal).run();
    return v === 0 ? '0' : String(v);
  } catch (err) {
    if (err !== GIVE_UP) throw err;
  }
  const e = new Evaluator(expr, decimal);
  try {
    return e.run().toString();
  } catch (err) {
    if (err instanceof ArithError) {
      throw new ExpandError(`error in expression evaluation: ${err.message} (after processing "${e.consumed}")`);
    }
    throw err;
  }
}
