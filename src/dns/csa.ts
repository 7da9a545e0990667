// Client SMTP Authorization (CSA) SRV lookup, shared by dnsdb's csa= type
// and the ACL's verify=csa: the spec's section "Client SMTP authorization".
//
// First _client._smtp.<domain> SRV. If that finds nothing, parent domains
// are searched from the top down (the 2nd-level domain first, never the
// TLD), at most `searchLimit` of them (3 in the reverse trees, where IPv6
// steps by 16 bits), for a version-1 record asserting that subdomains must
// be explicitly authorized (port bit 0). The search is skipped when a
// negative answer shows that the 2nd-level domain itself does not exist
// (its SOA is the root's or the TLD's).
//
// Exim 4.98 in practice only searches parents after a NODATA answer (after
// NXDOMAIN its resolver library hides the authority section); the spec says
// the search happens whenever no record is found, and tern does that.

import type { AsyncMemo } from '../util/suspend.ts';
import type { DnsAnswer, DnsQueryOptions } from './types.ts';
import { resolveSync } from './resolver.ts';
import { canonicalName } from './wire.ts';

export const CSA_DEFAULT_SEARCH_LIMIT = 5;
const REVERSE_SEARCH_LIMIT = 3;

export interface CsaResult {
  answer: DnsAnswer;
  /** The domain whose _client._smtp record was used (the queried one, or a parent). */
  found: string;
}

export function csaLookupSync(
  memo: AsyncMemo, domain: string, opts: DnsQueryOptions = {}, searchLimit = CSA_DEFAULT_SEARCH_LIMIT,
): CsaResult {
  const name = domain.replace(/\.$/, '');
  const direct = resolveSync(memo, `_client._smtp.${name}`, 'SRV', opts);
  if (direct.status === 'ok' || direct.status === 'again' || direct.status === 'fail') return { answer: direct, found: name };
  const notFound: CsaResult = { answer: { status: 'nxdomain', records: [], authenticated: false }, found: name };

  const labels = name.split('.');
  if (labels.length < 2) return notFound;
  const lower = canonicalName(name);
  let top = 1; // labels forming the "TLD"
  let step = 1; // labels added per step
  let limit = searchLimit;
  if (lower.endsWith('.in-addr.arpa')) {
    top = 2;
    limit = REVERSE_SEARCH_LIMIT;
  } else if (lower.endsWith('.ip6.arpa')) {
    top = 2;
    step = 4;
    limit = REVERSE_SEARCH_LIMIT;
  }
  if (direct.status === 'nxdomain' && !secondLevelExists(direct, labels.slice(-top).join('.'))) return notFound;

  for (let i = 1, count = top + step; i <= limit && count < labels.length; i++, count += step) {
    const parent = labels.slice(-count).join('.');
    const got = resolveSync(memo, `_client._smtp.${parent}`, 'SRV', opts);
    if (got.status === 'again') return { answer: got, found: name };
    if (got.status !== 'ok') continue;
    const asserts = got.records.some((r) => r.priority === 1 && ((r.port ?? 0) & 1) === 1);
    if (asserts) return { answer: got, found: parent };
  }
  return notFound;
}

/** A negative answer from inside the 2nd-level domain carries an SOA below the TLD. */
function secondLevelExists(answer: DnsAnswer, tld: string): boolean {
  const soa = answer.authority?.find((r) => r.type === 'SOA');
  if (!soa) return false;
  const zone = canonicalName(soa.name);
  return zone !== '' && zone !== canonicalName(tld);
}
