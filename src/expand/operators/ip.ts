// IP address operators: mask, mask_n, ipv6norm, ipv6denorm, reverse_ip.
// Addresses are checked as Exim does (inet_pton rules: no leading zeros in
// IPv4 octets, at most 4 hex digits per IPv6 group, an IPv6 "%scope" ignored).

import { ExpandError } from '../errors.ts';

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Four 32-bit words (IPv4 uses only the first), or undefined if not an address. */
export interface IpBinary {
  version: 4 | 6;
  words: number[];
}

function ipv4Words(s: string): number | undefined {
  if (!IPV4.test(s)) return undefined;
  const p = s.split('.');
  return ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
}

function ipv6Groups(s: string): number[] | undefined {
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.indexOf(':') < 0) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.indexOf('.') >= 0) {
    const v4 = ipv4Words(last);
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!HEX_GROUP.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    const all = parse(s);
    if (!all) return undefined;
    groups = [...all, ...tail];
    if (groups.length !== 8) return undefined;
  }
  return groups;
}

/** Parse an IPv4 or IPv6 address to 8 16-bit groups (IPv4: 2 groups). */
export function parseIp(s: string): { version: 4 | 6; groups: number[] } | undefined {
  const v4 = ipv4Words(s);
  if (v4 !== undefined) return { version: 4, groups: [v4 >>> 16, v4 & 0xffff] };
  const v6 = ipv6Groups(s);
  return v6 ? { version: 6, groups: v6 } : undefined;
}

/**
 * Exim's canonical IPv6 text. Exim 4.98 prints the all-zero address as ":";
 * the 4.99 spec's rule (the longest run of zero groups becomes "::") gives
 * "::", which is what we print.
 */
export function ipv6Compressed(groups: number[]): string {
  if (groups.every((g) => g === 0)) return '::';
  // Build Exim's working buffer "g:g:...:g" followed by two string ends.
  let buf = groups.map((g) => g.toString(16)).join(':') + '\0\0';
  let best = -1;
  let bestStart = -1;
  let c = 0;
  for (let i = 0; i < 8; i++) {
    if (buf[c] === '0') {
      const s = c;
      const j = i;
      while (buf[c + 1] === ':' && buf[c + 2] === '0') { i++; c += 2; }
      if (i - j > best) { best = i - j; bestStart = s; }
    }
    while (buf[++c] !== ':' && c < buf.length) { /* to the next group */ }
    c++;
  }
  if (best >= 0) {
    let from = bestStart + 2 * (best + 1);
    if (bestStart === 0) from--;
    buf = buf.slice(0, bestStart) + ':' + buf.slice(from);
  }
  const end = buf.indexOf('\0');
  return end >= 0 ? buf.slice(0, end) : buf;
}

function hex4(g: number): string {
  return g.toString(16).padStart(4, '0');
}

function v4Mapped(groups: number[]): number[] {
  return [0, 0, 0, 0, 0, 0xffff, groups[0], groups[1]];
}

function asIpv6(subject: string): number[] {
  const ip = parseIp(subject);
  if (!ip) throw new ExpandError(`"${subject}" is not an IP address`);
  return ip.version === 4 ? v4Mapped(ip.groups) : ip.groups;
}

export function ipv6Norm(subject: string): string {
  return ipv6Compressed(asIpv6(subject));
}

export function ipv6Denorm(subject: string): string {
  return asIpv6(subject).map(hex4).join(':');
}

const MASK_TEXT = /^[ \t\n\v\f\r]*\+?\d*$/;

/** ${mask:ip/bits} and (normalised = true) ${mask_n:...}. */
export function maskOperator(subject: string, normalised: boolean): string {
  const slash = subject.indexOf('/');
  const addrText = slash >= 0 ? subject.slice(0, slash) : subject;
  const maskText = slash >= 0 ? subject.slice(slash + 1) : '';
  const ip = parseIp(addrText);
  if (!ip || (slash >= 0 && (!MASK_TEXT.test(maskText) || (ip.version === 6 && addrText.indexOf('%') >= 0)))) {
    throw new ExpandError(`"${subject}" is not an IP address`);
  }
  if (slash < 0) throw new ExpandError(`missing mask value in "${subject}"`);
  const digits = maskText.replace(/[^\d]/g, '');
  let big = digits === '' ? 0n : BigInt(digits);
  const LONG_MAX = (1n << 63n) - 1n;
  if (big > LONG_MAX) big = LONG_MAX;
  const bits = Number(BigInt.asIntN(32, big));
  const max = ip.version === 4 ? 32 : 128;
  if (bits < 0 || bits > max) throw new ExpandError(`mask value too big in "${subject}"`);
  const groups = ip.groups.slice();
  for (let i = 0; i < groups.length; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    groups[i] &= keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
  }
  if (ip.version === 4) {
    return `${groups[0] >> 8}.${groups[0] & 0xff}.${groups[1] >> 8}.${groups[1] & 0xff}/${bits}`;
  }
  return `${normalised ? ipv6Compressed(groups) : groups.map(hex4).join('.')}/${bits}`;
}

/** ${reverse_ip:..}: the DNS reverse-lookup form (a /mask suffix is allowed and ignored). */
export function reverseIp(subject: string): string {
  let text = subject;
  const m = /\/\d*$/.exec(text);
  if (m) text = text.slice(0, m.index);
  const ip = parseIp(text);
  if (!ip) throw new ExpandError(`reverse_ip() not given an IP address [${subject}]`);
  // an IPv4-mapped address written with its dotted quad reverses as IPv4
  const mapped = ip.version === 6 && text.indexOf('.') >= 0 && ip.groups.slice(0, 6).join() === '0,0,0,0,0,65535';
  if (ip.version === 4 || mapped) {
    const g = ip.version === 4 ? ip.groups : ip.groups.slice(6);
    return `${g[1] & 0xff}.${g[1] >> 8}.${g[0] & 0xff}.${g[0] >> 8}`;
  }
  let out = '';
  for (let i = 7; i >= 0; i--) {
    const h = hex4(ip.groups[i]);
    out += `${i === 7 ? '' : '.'}${h[3]}.${h[2]}.${h[1]}.${h[0]}`;
  }
  return out;
}
