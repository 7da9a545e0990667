// The reverse-DNS name of an IP address: 192.0.2.1 → 1.2.0.192.in-addr.arpa,
// 2001:db8::1 → 1.0.0.0…8.b.d.0.1.0.0.2.ip6.arpa (nibbles, lower case).

import { isIPv4, isIPv6 } from 'node:net';

export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIPv6(ip)) return `${ipv6Nibbles(ip).reverse().join('.')}.ip6.arpa`;
  throw new Error(`not an IP address: ${ip}`);
}

/** The 32 hex digits of an IPv6 address, most significant first. */
export function ipv6Nibbles(ip: string): string[] {
  const bytes = ipv6Bytes(ip);
  return [...bytes].flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
}

/** The 16 bytes of an IPv6 address (with :: and an embedded dotted quad). */
export function ipv6Bytes(ip: string): Uint8Array {
  let text = ip.replace(/%.*$/, '');
  const out = new Uint8Array(16);
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined
    ? headGroups
    : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  });
  return out;
}
