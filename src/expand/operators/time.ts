// Exim's time intervals: "1w2d3h4m5s" <-> seconds.

import { ExpandError } from '../errors.ts';

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const INTERVAL = /^(?:\d+[wdhms])+$/;
const PART = /(\d+)([wdhms])/g;

const LONG_MAX = (1n << 63n) - 1n;

/** A digit string read by strtol/sscanf and stored in a C int. */
function cInt(digits: string): number {
  if (digits.length < 10) return Number(digits);
  let v = BigInt(digits);
  if (v > LONG_MAX) v = LONG_MAX;
  return Number(BigInt.asIntN(32, v));
}

/** Seconds in an Exim time interval such as 2d4h5m, or -1 if it is not one. */
export function readTimeInterval(text: string): number {
  if (!INTERVAL.test(text)) return -1;
  let total = 0;
  for (const m of text.matchAll(PART)) {
    total = (total + Math.imul(cInt(m[1]), UNIT_SECONDS[m[2]])) | 0; // C int arithmetic
  }
  return total < 0 ? -1 : total;
}

export function timeEval(subject: string): string {
  const n = readTimeInterval(subject);
  if (n < 0) throw new ExpandError(`string "${subject}" is not an Exim time interval in "time_eval" operator`);
  return String(n);
}

/** Seconds as Exim's readable interval, e.g. 1w3d4h2m6s ("0s" for zero). */
export function formatTimeInterval(seconds: number): string {
  let out = '';
  let t = seconds;
  if (t < 0) {
    out = '-';
    t = -t;
  }
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    const q = Math.floor(t / size);
    if (q > 0) out += `${q}${unit}`;
    t -= q * size;
  }
  if (t > 0 || out === '' || out === '-') out += `${t}s`;
  return out;
}

const DIGITS = /^\d*$/;

export function timeInterval(subject: string): string {
  if (!DIGITS.test(subject)) throw new ExpandError(`string "${subject}" is not a positive number in "time_interval" operator`);
  // Exim reads the number into a C int, wrapping on overflow.
  const n = subject === '' ? 0 : Number(BigInt.asIntN(32, BigInt(subject)));
  return formatTimeInterval(n);
}
