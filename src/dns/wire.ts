// DNS messages: building a query and reading a response into tern's records.
// No sockets here (transport.ts) and no policy (resolver.ts).

import * as dnsPacket from 'dns-packet';
import type { Answer, Packet, RecordType } from 'dns-packet';
import type { DnsRecord, RRType } from './types.ts';
import { formatIpv6, ipv6Bytes } from './ipv6.ts';

/** EDNS0 payload size we advertise (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;
/** Without EDNS0 a UDP response is at most 512 bytes. */
export const PLAIN_UDP_SIZE = 512;

export interface QueryMessage {
  id: number;
  name: string;
  type: RRType;
  bytes: Buffer;
}

export function buildQuery(id: number, name: string, type: RRType, dnssec: boolean): QueryMessage {
  const packet: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as RecordType, name: name === '' ? '.' : name, class: 'IN' }],
  };
  if (dnssec) {
    // DO asks for DNSSEC records and tells a validating resolver we care about AD.
    packet.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, flags: dnsPacket.DNSSEC_OK } as Answer];
  }
  return { id, name, type, bytes: dnsPacket.encode(packet) };
}

export interface ParsedResponse {
  rcode: string;
  truncated: boolean;
  authenticated: boolean;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
}

/**
 * Decode a response and check it answers our query (same id, QR set, same
 * question): anything else is ignored by the caller, as a spoofing attempt or
 * a stray late answer.
 */
export function parseResponse(bytes: Buffer, query: QueryMessage): ParsedResponse | null {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(bytes);
  } catch {
    // A truncated message may not decode past the header; its TC bit still counts.
    return truncatedHeaderOnly(bytes, query);
  }
  if (packet.id !== query.id || packet.type !== 'response') return null;
  const q = packet.questions?.[0];
  if (!q || q.type !== query.type || !sameName(q.name, query.name)) return null;
  return {
    rcode: RCODES[bytes.readUInt16BE(2) & 0xf] ?? 'RCODE' + (bytes.readUInt16BE(2) & 0xf),
    truncated: !!packet.flag_tc,
    authenticated: !!packet.flag_ad,
    authoritative: !!packet.flag_aa,
    answers: packet.answers ?? [],
    authorities: packet.authorities ?? [],
  };
}

function truncatedHeaderOnly(bytes: Buffer, query: QueryMessage): ParsedResponse | null {
  if (bytes.length < 12 || bytes.readUInt16BE(0) !== query.id) return null;
  const flags = bytes.readUInt16BE(2);
  if (!(flags & 0x8000) || !(flags & dnsPacket.TRUNCATED_RESPONSE)) return null;
  return { rcode: 'NOERROR', truncated: true, authenticated: false, authoritative: false, answers: [], authorities: [] };
}

const RCODES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

/** Lower case, no trailing dot, root as "". */
export function canonicalName(name: string): string {
  return (name === '.' ? '' : name.replace(/\.$/, '')).toLowerCase();
}

/** Names as Exim prints them: no trailing dot, the root as the empty string. */
function printableName(name: string): string {
  return name === '.' ? '' : name.replace(/\.$/, '');
}

/** Convert one answer record to tern's form; null for types we do not handle. */
export function toDnsRecord(rr: Answer): DnsRecord | null {
  const base = { name: printableName(rr.name), ttl: 'ttl' in rr ? (rr.ttl ?? 0) : 0 };
  switch (rr.type) {
    case 'A':
      return { ...base, type: 'A', data: rr.data };
    case 'AAAA':
      return { ...base, type: 'AAAA', data: formatIpv6(ipv6Bytes(rr.data)) };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { ...base, type: rr.type, data: printableName(rr.data) };
    case 'MX':
      return { ...base, type: 'MX', priority: rr.data.preference ?? 0, exchange: printableName(rr.data.exchange) };
    case 'SRV':
      return {
        ...base, type: 'SRV', priority: rr.data.priority ?? 0, weight: rr.data.weight ?? 0,
        port: rr.data.port, exchange: printableName(rr.data.target),
      };
    case 'TXT': {
      const parts = Array.isArray(rr.data) ? rr.data : [rr.data];
      return { ...base, type: 'TXT', strings: parts.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))) };
    }
    case 'TLSA':
      return {
        ...base, type: 'TLSA', usage: rr.data.usage, selector: rr.data.selector,
        matchingType: rr.data.matchingType, certificate: rr.data.certificate.toString('hex'),
      };
    case 'SOA':
      return {
        ...base, type: 'SOA', mname: printableName(rr.data.mname), rname: printableName(rr.data.rname),
        serial: rr.data.serial, refresh: rr.data.refresh, retry: rr.data.retry,
        expire: rr.data.expire, minimum: rr.data.minimum,
      };
    default:
      // dns-packet leaves SPF (type 99) undecoded: its RDATA is TXT's.
      if ((rr.type as string) === 'SPF' && 'data' in rr && Buffer.isBuffer(rr.data)) {
        return { ...base, type: 'SPF', strings: characterStrings(rr.data) };
      }
      return null;
  }
}

/** RFC 1035 <character-string>s: a length byte, then that many bytes. */
export function characterStrings(rdata: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < rdata.length;) {
    const len = rdata[i++]!;
    out.push(rdata.subarray(i, Math.min(i + len, rdata.length)).toString('utf8'));
    i += len;
  }
  return out;
}
