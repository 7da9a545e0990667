// The resolver's contract. tern has its own stub resolver (resolver.ts) so
// that it sees the AD bit, every record type, truncation and SERVFAIL.

export type RRType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME' | 'NS' | 'SOA' | 'SRV' | 'TLSA' | 'SPF';

/** One answer record, decoded to the form Exim's dnsdb prints. */
export interface DnsRecord {
  name: string;
  type: RRType;
  ttl: number;
  /** A/AAAA/PTR/CNAME/NS: the address or name. */
  data?: string;
  /** MX: preference, SRV: priority. */
  priority?: number;
  /** SRV */
  weight?: number;
  port?: number;
  /** MX/SRV target name. */
  exchange?: string;
  /** TXT/SPF: the character-strings of one record. */
  strings?: string[];
  /** TLSA */
  usage?: number;
  selector?: number;
  matchingType?: number;
  certificate?: string; // hex
  /** SOA */
  mname?: string;
  rname?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expire?: number;
  minimum?: number;
}

/**
 * Outcome classes as Exim distinguishes them: found; NXDOMAIN / no data
 * (both a definite "not found"); and AGAIN (timeout, SERVFAIL, network
 * trouble: a temporary failure that defers).
 */
export type DnsStatus = 'ok' | 'nxdomain' | 'nodata' | 'again' | 'fail';

export interface DnsAnswer {
  status: DnsStatus;
  records: DnsRecord[];
  /** The AD bit of the response: true when the resolver validated it (DNSSEC). */
  authenticated: boolean;
  /** The AA bit of the (last) response: for dns_trust_aa. */
  authoritative?: boolean;
  /** SOA and NS records of the authority section (e.g. the zone of a negative answer). */
  authority?: DnsRecord[];
}

export interface DnsQueryOptions {
  /** Set the DO bit and ask for DNSSEC data. */
  dnssec?: boolean;
  /** Per-try timeout, milliseconds. */
  timeoutMs?: number;
  retries?: number;
}
