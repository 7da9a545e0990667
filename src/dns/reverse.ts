// The reverse-DNS name of an IP address: 192.0.2.1 → 1.2.0.192.in-addr.arpa,
// 2001:db8::1 → 1.0.0.0…8.b.d.0.1.0.0.2.ip6.arpa (nibbles, lower case).

import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Bytes } from './ipv6.ts';

export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIPv6(ip)) return `${ipv6Nibbles(ip).reverse().join('.')}.ip6.arpa`;
  throw new Error(`not an IP address: ${ip}`);
}

/** The 32 hex digits of an IPv6 address, most significant first. */
export function ipv6Nibbles(ip: string): string[] {
  return [...ipv6Bytes(ip)].flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
}
