// mailauth (SPF, DKIM, DMARC) asks DNS through a function shaped like
// dns.promises.resolve(name, rrtype). This one answers from tern's own stub
// resolver, so the configured servers (TERN_RESOLVERS, resolv.conf, tests'
// BIND) and its cache are used, and reports failures with the error codes
// node:dns uses, which is how mailauth tells "no such record" from "try later".

import { resolve, type DnsAnswer, type RRType } from '../dns/index.ts';

/** What mailauth receives: TXT as lists of strings, MX as objects, the rest as names/addresses. */
export type ResolverAnswer = string[] | string[][] | { exchange: string; priority: number }[];
export type MailauthResolver = (name: string, rrtype: string) => Promise<ResolverAnswer>;

const SUPPORTED: ReadonlySet<string> = new Set(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME', 'NS', 'SPF']);

/** An Error with the node:dns code for a status that carries no records. */
function dnsError(name: string, type: string, answer: DnsAnswer): Error & { code: string } {
  const code = answer.status === 'nxdomain' ? 'ENOTFOUND' : answer.status === 'nodata' ? 'ENODATA' : 'ESERVFAIL';
  return Object.assign(new Error(`${type} lookup of ${name}: ${code}`), { code, hostname: name });
}

/** Turn one of tern's answers into what dns.promises.resolve would have returned. */
export function toResolverAnswer(type: RRType, answer: DnsAnswer): ResolverAnswer {
  const records = answer.records.filter((r) => r.type === type);
  if (type === 'TXT' || type === 'SPF') return records.map((r) => r.strings ?? []);
  if (type === 'MX') return records.map((r) => ({ exchange: r.exchange ?? '', priority: r.priority ?? 0 }));
  return records.map((r) => r.data ?? '');
}

export const mailauthResolver: MailauthResolver = async (name, rrtype) => {
  const type = rrtype.toUpperCase();
  if (!SUPPORTED.has(type)) {
    throw Object.assign(new Error(`record type ${rrtype} is not supported`), { code: 'ENOTIMP' });
  }
  const answer = await resolve(name, type as RRType);
  if (answer.status !== 'ok') throw dnsError(name, type, answer);
  const out = toResolverAnswer(type as RRType, answer);
  // a CNAME-only answer is "no data of this type" for the caller
  if (out.length === 0) throw dnsError(name, type, { ...answer, status: 'nodata' });
  return out;
};
