// The client's host name, found as Exim's host_name_lookup() finds it: a
// PTR lookup of the address, each name accepted only if a forward lookup
// of it yields the address again. Results are kept on the connection's
// HostSubject (shared with host list matching) and in $sender_host_name.

import { lookupHostAddressesSync, lookupPtrSync } from '../dns/index.ts';
import { normaliseMapped, parseIp, type HostSubject } from '../lists/index.ts';
import { hostsFileNames } from '../dns/hosts-file.ts';
import type { AsyncMemo } from '../util/suspend.ts';

/** Why the name lookup failed, per host (Exim's host_lookup_msg). */
const failures = new WeakMap<HostSubject, string>();

export type HostLookupResult = { rc: 'ok' } | { rc: 'fail'; message: string } | { rc: 'defer' };

const NO_PTR = ' (failed to find host name from IP address)';

/** The main-log line Exim writes when an address has no PTR record at all (not for a name that fails to verify). */
export function noHostNameLogLine(r: HostLookupResult, address: string): string | undefined {
  return r.rc === 'fail' && r.message === NO_PTR ? `no host name found for IP address ${address}` : undefined;
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a.replace(/%.*$/, ''));
  const y = parseIp(b.replace(/%.*$/, ''));
  if (!x || !y) return false;
  const p = normaliseMapped(x);
  const q = normaliseMapped(y);
  return p.v6 === q.v6 && p.words.every((w, i) => w === q.words[i]);
}

/** Look up (once) the verified name of host.address; may throw Suspend while waiting for DNS. */
export function hostNameLookup(memo: AsyncMemo, host: HostSubject): HostLookupResult {
  if (host.name) return { rc: 'ok' };
  if (!host.address) return { rc: 'fail', message: '' };
  if (host.nameLookupFailed) return { rc: 'fail', message: failures.get(host) ?? ' (failed to find host name from IP address)' };
  const ptr = lookupPtrSync(memo, host.address);
  if (ptr.status === 'again' || ptr.status === 'fail') return { rc: 'defer' };
  let names = ptr.records.map((r) => (r.data ?? '').replace(/\.$/, '')).filter((n) => n !== '');
  // Exim's host_lookup_order (bydns:byaddr): without a PTR record, gethostbyaddr() may still find a
  // name in the hosts file (127.0.0.1 → localhost); that name must still verify forwards.
  if (names.length === 0) names = hostsFileNames(host.address);
  if (names.length === 0) {
    host.nameLookupFailed = true;
    const message = NO_PTR;
    failures.set(host, message);
    return { rc: 'fail', message };
  }
  const verified: string[] = [];
  for (const name of names) {
    const fwd = lookupHostAddressesSync(memo, name);
    if (fwd.status === 'again') return { rc: 'defer' };
    if (fwd.records.some((r) => r.data && sameAddress(r.data, host.address!))) verified.push(name.toLowerCase());
  }
  if (verified.length === 0) {
    host.nameLookupFailed = true;
    const message = ` (${host.address} does not match any IP address for ${names[0]})`;
    failures.set(host, message);
    return { rc: 'fail', message };
  }
  host.name = verified[0];
  host.aliases = verified.slice(1);
  return { rc: 'ok' };
}

/** Whether a name resolves to the address (forward lookup only). */
export function nameHasAddress(memo: AsyncMemo, name: string, address: string): boolean | 'defer' {
  const fwd = lookupHostAddressesSync(memo, name);
  if (fwd.status === 'again') return 'defer';
  return fwd.records.some((r) => r.data && sameAddress(r.data, address));
}
