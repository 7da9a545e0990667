// UTF-8 <-> A-label conversions for internationalised mail (EAI):
// domains per IDNA (via node:url's UTS 46 processing), local parts with
// plain Punycode and an "xn--" prefix, as Exim does.

import { domainToASCII } from 'node:url';
import { ExpandError } from '../errors.ts';
import { isAscii } from './bytes.ts';

const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72, INITIAL_N = 128;

function adapt(delta: number, numPoints: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((BASE - TMIN) * TMAX) >> 1) {
    delta = Math.floor(delta / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
}

function digitChar(d: number): string {
  return String.fromCharCode(d < 26 ? 0x61 + d : 0x16 + d);
}

/** RFC 3492 Punycode encoding of a Unicode string. */
export function punycodeEncode(input: string): string {
  const cps = Array.from(input, (c) => c.codePointAt(0)!);
  let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += '-';
  let n = INITIAL_N, delta = 0, bias = INITIAL_BIAS;
  while (handled < cps.length) {
    let m = Infinity;
    for (const c of cps) if (c >= n && c < m) m = c;
    delta += (m - n) * (handled + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
          if (q < t) break;
          out += digitChar(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digitChar(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return out;
}

/** RFC 3492 Punycode decoding; undefined for bad input. */
export function punycodeDecode(input: string): string | undefined {
  const cps: number[] = [];
  const dash = input.lastIndexOf('-');
  for (let i = 0; i < Math.max(dash, 0); i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) return undefined;
    cps.push(c);
  }
  let n = INITIAL_N, bias = INITIAL_BIAS, i = 0;
  for (let p = dash > 0 ? dash + 1 : 0; p < input.length;) {
    const oldi = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (p >= input.length) return undefined;
      const c = input.charCodeAt(p++);
      const d = c - 0x30 < 10 ? c - 0x16 : c - 0x41 < 26 ? c - 0x41 : c - 0x61 < 26 ? c - 0x61 : BASE;
      if (d >= BASE) return undefined;
      i += d * w;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (d < t) break;
      w *= BASE - t;
      if (i > 0x7fffffff || w > 0x7fffffff) return undefined;
    }
    bias = adapt(i - oldi, cps.length + 1, oldi === 0);
    n += Math.floor(i / (cps.length + 1));
    i %= cps.length + 1;
    if (n > 0x10ffff) return undefined;
    cps.splice(i++, 0, n);
  }
  return String.fromCodePoint(...cps);
}

export function domainToALabel(subject: string): string {
  if (isAscii(subject)) return subject;
  const out = domainToASCII(subject);
  if (out === '') throw new ExpandError(`error converting utf8 (${subject}) to alabel: Invalid input`);
  return out;
}

/**
 * Each "xn--" label is Punycode-decoded as it stands, as Exim does: no
 * IDNA validation or case mapping (so "xn--invalid-" gives "invalid" and
 * other labels keep their case); a trailing dot is dropped.
 */
export function domainFromALabel(subject: string): string {
  if (subject.indexOf('xn--') < 0) return subject;
  const labels = subject.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  return labels.map((label) => {
    if (!label.startsWith('xn--')) return label;
    const decoded = punycodeDecode(label.slice(4));
    if (decoded === undefined) throw new ExpandError(`error converting alabel (${subject}) to utf8: Invalid input`);
    return decoded;
  }).join('.');
}

export function localPartToALabel(subject: string): string {
  return isAscii(subject) ? subject : 'xn--' + punycodeEncode(subject);
}

export function localPartFromALabel(subject: string): string {
  if (!subject.startsWith('xn--')) throw new ExpandError(`error converting alabel (${subject}) to utf8: bad alabel prefix`);
  const out = punycodeDecode(subject.slice(4));
  if (out === undefined) throw new ExpandError(`error converting alabel (${subject}) to utf8: Invalid input`);
  return out;
}
