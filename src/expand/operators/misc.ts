// ${randint:n} and ${headerwrap_cols_limit:..}.

import { randomInt } from 'node:crypto';
import { ExpandError } from '../errors.ts';

const INTEGER = /^([+-]?\d+)([kKmMgG]?)[ \t\n\v\f\r]*$/;
const ARITH_MAX = (1n << 63n) - 1n;

/**
 * Exim's expanded_string_integer: white space around a decimal number with an
 * optional K/M/G multiplier; `nonNegative` refuses negative values.
 */
export function parseExpandedInteger(text: string, nonNegative: boolean): bigint {
  const trimmed = text.replace(/^[ \t\n\v\f\r]+/, '');
  if (trimmed === '' && text !== '') return 0n; // all white space counts as 0
  const m = INTEGER.exec(trimmed);
  if (!m) {
    const leading = /^[+-]?\d/.test(trimmed);
    throw new ExpandError(leading ? `invalid integer "${trimmed}"` : `integer expected but "${trimmed}" found`);
  }
  let v = BigInt(m[1]);
  if (v < 0n && nonNegative) throw new ExpandError(`non-negative integer expected but "${trimmed}" found`);
  const mult = { '': 1n, k: 1024n, m: 1024n * 1024n, g: 1024n * 1024n * 1024n }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  v *= mult;
  if (v > ARITH_MAX || v < -ARITH_MAX - 1n) throw new ExpandError(`absolute value of integer "${trimmed}" is too large (overflow)`);
  return v;
}

/** ${randint:n}: a random number in 0..n-1 (0 when n <= 1). */
export function randInt(subject: string): string {
  const max = Number(BigInt.asIntN(32, parseExpandedInteger(subject, true)));
  return max <= 1 ? '0' : String(randomInt(max));
}

const TAB_WIDTH = 8;

/**
 * ${headerwrap_cols_limit:..} as the 4.99 spec describes it: break lines at
 * white space before column `cols` (a hard break when a line has none), drop
 * the white space at the break, continue with newline+tab (the tab counts 8
 * columns), and cut the result to `limit` characters.
 */
export function headerWrap(subject: string, cols = 80, limit = 998): string {
  if (cols <= 0) cols = 80;
  if (limit <= 0) limit = 998;
  // Exim returns a subject no longer than `cols` untouched, even past `limit`.
  if (subject.length <= cols) return subject;
  let out = '';
  let rest = subject;
  let col = 0; // columns used on the current output line
  while (rest.length > 0) {
    const nl = rest.indexOf('\n');
    const segmentEnd = nl >= 0 ? nl : rest.length;
    const room = cols - col;
    if (segmentEnd <= room) {
      // the rest of this line fits
      out += rest.slice(0, segmentEnd);
      if (nl < 0) break;
      out += '\n';
      rest = rest.slice(nl + 1);
      col = 0;
      continue;
    }
    let cut = -1;
    for (let i = Math.min(room, segmentEnd - 1); i > 0; i--) {
      if (rest[i] === ' ' || rest[i] === '\t') { cut = i; break; }
    }
    let head: string;
    if (cut > 0) {
      head = rest.slice(0, cut).replace(/[ \t]+$/, '');
      rest = rest.slice(cut).replace(/^[ \t]+/, '');
    } else {
      const n = Math.max(room, 1);
      head = rest.slice(0, n);
      rest = rest.slice(n);
    }
    if (head === '' && col > TAB_WIDTH) {
      // nothing fits after the indent: take a hard break rather than loop
      head = rest.slice(0, Math.max(room, 1));
      rest = rest.slice(head.length);
    }
    out += head;
    if (rest.length === 0) break;
    out += '\n\t';
    col = TAB_WIDTH;
  }
  return out.length > limit ? out.slice(0, limit) : out;
}
