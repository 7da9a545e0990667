// The client's host name, found as Exim's host_name_lookup() finds it: a
// PTR lookup of the address (the hosts file, as gethostbyaddr(), when DNS
// has none), each name accepted only if a DNS lookup of its addresses
// yields the address again. Results are kept on the connection's
// HostSubject (shared by host lists, ACL verification and the session)
// and in $sender_host_name. Under -bh it traces what Exim's debug output
// shows for it.

import { lookupHostAddressesSync, lookupPtrSync } from '../dns/index.ts';
import { reverseName } from '../dns/reverse.ts';
import { reportDnsFail } from '../dns/fail-event.ts';
import type { ExpandContext } from '../expand/context.ts';
import { hostsFileNames } from '../dns/hosts-file.ts';
import type { AsyncMemo } from '../util/suspend.ts';
import { normaliseMapped, parseIp } from './ip.ts';
import type { HostSubject } from './host.ts';
import { indentFor } from './trace.ts';

/** Why the name lookup failed, per host (Exim's host_lookup_msg). */
const failures = new WeakMap<HostSubject, string>();

export type HostLookupResult = { rc: 'ok' } | { rc: 'fail'; message: string } | { rc: 'defer' };

/** Where the lookup's trace goes: unindented lines, and the list level its dnssec checks are at. */
export interface HostLookupTrace {
  write(line: string): void;
  level: number;
}

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

function fail(host: HostSubject, message: string): HostLookupResult {
  host.nameLookupFailed = true;
  failures.set(host, message);
  return { rc: 'fail', message };
}

/** Look up (once) the verified name of host.address; may throw Suspend while waiting for DNS. */
export function hostNameLookup(ctx: ExpandContext, host: HostSubject, trace?: HostLookupTrace): HostLookupResult {
  const memo = ctx.memo;
  if (host.name) return { rc: 'ok' };
  if (!host.address) return { rc: 'fail', message: '' };
  if (host.nameLookupFailed) return { rc: 'fail', message: failures.get(host) ?? NO_PTR };
  const say = (line: string): void => trace?.write(line);
  say(`looking up host name for ${host.address}`);
  const ptr = lookupPtrSync(memo, host.address);
  reportDnsFail(ctx, ptr, reverseName(host.address), 'PTR');
  if (ptr.status === 'again' || ptr.status === 'fail') return { rc: 'defer' };
  let names = ptr.records.map((r) => (r.data ?? '').replace(/\.$/, '')).filter((n) => n !== '');
  // host_lookup_order (bydns:byaddr): without a PTR record, gethostbyaddr() may still find a
  // name in the hosts file (127.0.0.1 → localhost); that name must still verify by DNS
  if (names.length === 0) {
    say('IP address lookup using gethostbyaddr()');
    names = hostsFileNames(host.address);
    if (names.length === 0) {
      say('IP address lookup failed: h_errno=1');
      return fail(host, NO_PTR);
    }
  }
  say(`IP address lookup yielded "${names[0]}"`);
  for (const alias of names.slice(1)) say(`  alias "${alias}"`);
  const verified: string[] = [];
  // every name is checked (Exim's aliases are the names that verify too)
  for (const name of names) {
    if (trace) {
      // the forward lookup's DNSSEC option lists, which are unset here
      for (const which of ['require', 'request']) {
        say(`${indentFor(trace.level + 1)}check dnssec ${which} list`);
        say(`${indentFor(trace.level + 2)}${name} not in empty list (option unset? cannot trace name)`);
      }
    }
    // AAAA then A, each with a dns:fail event of its own
    const fwd = lookupHostAddressesSync(memo, name, undefined, (answer, type) => reportDnsFail(ctx, answer, name, type));
    if (fwd.status === 'again') return { rc: 'defer' };
    const addresses = fwd.records.map((r) => r.data ?? '').filter((a) => a !== '');
    if (addresses.length === 0) {
      say(`no IP addresses found for ${name}`);
      continue;
    }
    say(`checking addresses for ${name}`);
    const match = addresses.findIndex((a) => sameAddress(a, host.address!));
    for (const a of match < 0 ? addresses : addresses.slice(0, match)) say(`  ${a}`);
    if (match >= 0) {
      say(`  ${addresses[match]} OK`);
      verified.push(name.toLowerCase());
      continue;
    }
    say(`no IP address for ${name} matched ${host.address}`);
  }
  if (verified.length === 0) {
    const message = ` (${host.address} does not match any IP address for ${names[0]})`;
    say(message.slice(2, -1));
    return fail(host, message);
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
