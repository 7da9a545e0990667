// tern's stub resolver: asks the configured recursive servers (config.ts)
// over UDP, falls back to TCP when a response is truncated, and classifies
// the outcome the way Exim does (types.ts). Every wait is bounded: at most
// attempts × servers tries, each limited by the per-try timeout.

import { randomInt } from 'node:crypto';
import type { Answer } from 'dns-packet';
import type { AsyncMemo } from '../util/suspend.ts';
import type { DnsAnswer, DnsQueryOptions, DnsRecord, RRType } from './types.ts';
import { resolverConfig, type ResolverAddress } from './config.ts';
import { buildQuery, parseResponse, sameName, toDnsRecord, canonicalName, type ParsedResponse, type QueryMessage } from './wire.ts';
import { udpExchange, tcpExchange, type Exchange } from './transport.ts';
import { cacheGet, cachePut } from './cache.ts';
import { passesNameCheck, encodableName } from './names.ts';

/** Extra queries made to chase a CNAME whose target the server did not include (Exim's dns_cname_loops). */
const CNAME_FOLLOWS = 1;
/** Longest CNAME chain read from one response. */
const MAX_CHAIN = 16;
/** Negative answers are cached at most this long. */
const MAX_NEGATIVE_TTL = 3600;

const inFlight = new Map<string, Promise<DnsAnswer>>();

/** Look up one RRset. Never throws: problems are status 'again' or 'fail'. */
export function resolve(name: string, type: RRType, opts: DnsQueryOptions = {}): Promise<DnsAnswer> {
  const config = resolverConfig();
  const servers = config.servers;
  const tries = {
    timeoutMs: opts.timeoutMs ?? config.timeoutMs,
    attempts: Math.max(1, opts.retries ?? config.attempts),
  };
  const qname = name.replace(/\.$/, '');
  if (!passesNameCheck(qname, type)) return Promise.resolve({ status: 'nxdomain', records: [], authenticated: false });
  const key = cacheKey(servers, qname, type, !!opts.dnssec);
  const cached = cacheGet(key);
  if (cached) return Promise.resolve(cached);
  let pending = inFlight.get(key);
  if (!pending) {
    pending = lookup(servers, qname, type, !!opts.dnssec, tries).then(({ answer, ttl }) => {
      cachePut(key, answer, ttl);
      return answer;
    }).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/**
 * The synchronous face for the expander and ACLs: the answer if this
 * computation already fetched it, else a Suspend that makes the driver fetch
 * it and replay (util/suspend.ts).
 */
export function resolveSync(memo: AsyncMemo, name: string, type: RRType, opts: DnsQueryOptions = {}): DnsAnswer {
  const key = `dns ${type} ${canonicalName(name)}${opts.dnssec ? ' +do' : ''} ${opts.timeoutMs ?? ''}/${opts.retries ?? ''}`;
  return memo.need(key, () => resolve(name, type, opts));
}

function cacheKey(servers: ResolverAddress[], name: string, type: RRType, dnssec: boolean): string {
  return `${servers.map((s) => `${s.host}#${s.port}`).join(',')} ${type} ${name.toLowerCase()}${dnssec ? ' +do' : ''}`;
}

interface Tries {
  timeoutMs: number;
  attempts: number;
}

async function lookup(
  servers: ResolverAddress[], name: string, type: RRType, dnssec: boolean, tries: Tries,
): Promise<{ answer: DnsAnswer; ttl: number }> {
  let qname = name;
  let authenticated = true;
  let ttl = Infinity;
  for (let follow = 0; ; follow++) {
    const got = await ask(servers, qname, type, dnssec, tries);
    if (got.kind !== 'response') return { answer: { status: got.kind, records: [], authenticated: false }, ttl: 0 };
    const res = got.response;
    authenticated &&= res.authenticated;
    const extra = { authoritative: res.authoritative, authority: authorityRecords(res) };
    const chain = readChain(res.answers, qname, type);
    ttl = Math.min(ttl, chain.ttl);
    if (res.rcode === 'NXDOMAIN') {
      return { answer: { status: 'nxdomain', records: [], authenticated, ...extra }, ttl: Math.min(ttl, negativeTtl(res)) };
    }
    if (chain.records.length > 0) {
      const records = chain.records.map(toDnsRecord).filter((r): r is DnsRecord => r !== null);
      ttl = Math.min(ttl, ...records.map((r) => r.ttl));
      return { answer: { status: 'ok', records, authenticated, ...extra }, ttl };
    }
    // The server stopped at a CNAME without its target's data: ask for the target ourselves.
    if (chain.end !== null && follow < CNAME_FOLLOWS) {
      qname = chain.end;
      continue;
    }
    return { answer: { status: 'nodata', records: [], authenticated, ...extra }, ttl: Math.min(ttl, negativeTtl(res)) };
  }
}

/** Records of `type` owned by `name` or by the end of its CNAME chain. */
function readChain(answers: Answer[], name: string, type: RRType): { records: Answer[]; end: string | null; ttl: number } {
  let current = name;
  let ttl = Infinity;
  let end: string | null = null;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const owned = answers.filter((rr) => sameName(rr.name, current));
    const records = owned.filter((rr) => rr.type === type);
    if (records.length > 0) return { records, end: null, ttl };
    const cname = owned.find((rr) => rr.type === 'CNAME');
    if (!cname || cname.type !== 'CNAME') break;
    ttl = Math.min(ttl, 'ttl' in cname ? (cname.ttl ?? 0) : 0);
    current = cname.data.replace(/\.$/, '');
    end = current;
  }
  return { records: [], end, ttl };
}

function authorityRecords(res: ParsedResponse): DnsRecord[] {
  return res.authorities
    .filter((rr) => rr.type === 'SOA' || rr.type === 'NS')
    .map(toDnsRecord)
    .filter((r): r is DnsRecord => r !== null);
}

/** RFC 2308: a negative answer lives for min(SOA TTL, SOA minimum); no SOA, no caching. */
function negativeTtl(res: ParsedResponse): number {
  const soa = res.authorities.find((rr) => rr.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return 0;
  return Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0, MAX_NEGATIVE_TTL);
}

type Asked = { kind: 'response'; response: ParsedResponse } | { kind: 'again' } | { kind: 'fail' };

/** Ask each server in turn, `attempts` rounds, until one gives a usable response. */
async function ask(servers: ResolverAddress[], name: string, type: RRType, dnssec: boolean, tries: Tries): Promise<Asked> {
  if (!encodableName(name)) return { kind: 'fail' };
  let sawAgain = false;
  for (let round = 0; round < tries.attempts; round++) {
    for (const server of servers) {
      const query = buildQuery(randomInt(0x10000), name, type, dnssec);
      const outcome = await exchange(server, query, tries.timeoutMs);
      if (outcome.kind !== 'reply') {
        sawAgain = true;
        continue;
      }
      const res = outcome.value;
      switch (res.rcode) {
        case 'NOERROR':
        case 'NXDOMAIN':
          return { kind: 'response', response: res };
        case 'SERVFAIL':
        case 'REFUSED':
          sawAgain = true;
          continue;
        default:
          // FORMERR, NOTIMP and the rest: this server cannot answer; another might.
          continue;
      }
    }
  }
  return sawAgain ? { kind: 'again' } : { kind: 'fail' };
}

async function exchange(server: ResolverAddress, query: QueryMessage, timeoutMs: number): Promise<Exchange<ParsedResponse>> {
  const accept = (msg: Buffer) => parseResponse(msg, query);
  const udp = await udpExchange(server, query.bytes, timeoutMs, accept);
  if (udp.kind === 'reply' && udp.value.truncated) return tcpExchange(server, query.bytes, timeoutMs, accept);
  return udp;
}
