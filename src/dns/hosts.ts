// Answers built from several queries: a host's addresses (AAAA then A, as
// Exim's a+), a PTR for an IP address, and MX records in preference order.
// Each comes in an async form and a memo form for synchronous callers.

import type { AsyncMemo } from '../util/suspend.ts';
import type { DnsAnswer, DnsQueryOptions, RRType } from './types.ts';
import { resolve, resolveSync } from './resolver.ts';
import { reverseName } from './reverse.ts';

type Ask = (name: string, type: RRType) => DnsAnswer;
type AskAsync = (name: string, type: RRType) => Promise<DnsAnswer>;

/**
 * Merge the answers for one name's AAAA and A records: found if either is,
 * otherwise the more hopeful failure (again before nodata before nxdomain);
 * authenticated only if every part was.
 */
export function mergeAnswers(parts: DnsAnswer[]): DnsAnswer {
  const records = parts.flatMap((p) => p.records);
  const authenticated = parts.length > 0 && parts.every((p) => p.authenticated);
  if (records.length > 0) return { status: 'ok', records, authenticated };
  const order = ['again', 'fail', 'nodata', 'nxdomain'] as const;
  const status = order.find((s) => parts.some((p) => p.status === s)) ?? 'nxdomain';
  return { status, records: [], authenticated };
}

/** MX records sorted by preference (stable, so equal preferences keep the server's order). */
export function sortMx(answer: DnsAnswer): DnsAnswer {
  return { ...answer, records: [...answer.records].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0)) };
}

/** Each query's own answer, for callers that report them (the dns:fail event). */
export type EachAnswer = (answer: DnsAnswer, type: 'AAAA' | 'A') => void;

function hostAddresses(ask: Ask, name: string, each?: EachAnswer): DnsAnswer {
  return mergeAnswers((['AAAA', 'A'] as const).map((type) => {
    const answer = ask(name, type);
    each?.(answer, type);
    return answer;
  }));
}

export async function lookupHostAddresses(name: string, opts?: DnsQueryOptions): Promise<DnsAnswer> {
  const ask: AskAsync = (n, t) => resolve(n, t, opts);
  return mergeAnswers(await Promise.all([ask(name, 'AAAA'), ask(name, 'A')]));
}

export function lookupHostAddressesSync(memo: AsyncMemo, name: string, opts?: DnsQueryOptions, each?: EachAnswer): DnsAnswer {
  return hostAddresses((n, t) => resolveSync(memo, n, t, opts), name, each);
}

export function lookupPtr(ip: string, opts?: DnsQueryOptions): Promise<DnsAnswer> {
  return resolve(reverseName(ip), 'PTR', opts);
}

export function lookupPtrSync(memo: AsyncMemo, ip: string, opts?: DnsQueryOptions): DnsAnswer {
  return resolveSync(memo, reverseName(ip), 'PTR', opts);
}

export async function lookupMx(domain: string, opts?: DnsQueryOptions): Promise<DnsAnswer> {
  return sortMx(await resolve(domain, 'MX', opts));
}

export function lookupMxSync(memo: AsyncMemo, domain: string, opts?: DnsQueryOptions): DnsAnswer {
  return sortMx(resolveSync(memo, domain, 'MX', opts));
}
