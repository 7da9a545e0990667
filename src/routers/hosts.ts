// Host lists for the routers that route to remote hosts: finding addresses
// (IP literals need none), dropping ignore_target_hosts, and the "self"
// option for when the first host is this host.

import type { DriverInstance } from '../config/types.ts';
import { lookupHostAddressesSync } from '../dns/index.ts';
import type { DnsAnswer } from '../dns/types.ts';
import { reportDnsFail } from '../dns/fail-event.ts';
import { hostsFileAddresses } from '../dns/hosts-file.ts';
import { isLocalAddress } from '../lists/local-host.ts';
import { atTraceLevel, listTracer, matchIpList, parseIp } from '../lists/index.ts';
import { runSuspendable } from '../util/suspend.ts';
import { expandOption, rawOption } from './options.ts';
import { setVar } from './generic.ts';
import type { DriverAnswer, RouteHost, RoutingAddress, RoutingEnv } from './types.ts';

export type Lookup = { status: 'ok'; hosts: RouteHost[] } | { status: 'notfound' } | { status: 'again'; message: string };

/**
 * The addresses of a host name (AAAA then A, as Exim's byname/bydns lookups
 * give them), or the literal itself. With `byName`, a name the DNS does not
 * know is looked for in the hosts file, as Exim's gethostbyname() fallback does.
 */
export async function hostAddresses(env: RoutingEnv, name: string, mx?: number, opts: { byName?: boolean } = {}): Promise<Lookup> {
  const literal = name.replace(/^\[(?:ipv6:)?(.*)\]$/i, '$1');
  if (parseIp(literal)) return { status: 'ok', hosts: [{ name: literal, address: literal, mx }] };
  // Exim's own DNS lookups (not a byname one) raise dns:fail for each query that finds nothing
  const each = opts.byName ? undefined : (answer: DnsAnswer, type: 'AAAA' | 'A') => reportDnsFail(env.ctx, answer, name, type);
  const ans = await runSuspendable(env.ctx.memo, () => lookupHostAddressesSync(env.ctx.memo, name, undefined, each));
  if (ans.status === 'again' || ans.status === 'fail') return { status: 'again', message: `host lookup for ${name} did not complete` };
  const addrs = ans.records.filter((r) => (r.type === 'A' || r.type === 'AAAA') && r.data);
  if (addrs.length === 0 && opts.byName) {
    const local = hostsFileAddresses(name);
    // IPv4 first, as for DNS answers
    local.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
    if (local.length > 0) return { status: 'ok', hosts: local.map((address) => ({ name, address, mx })) };
  }
  if (addrs.length === 0) return { status: 'notfound' };
  // IPv4 first within one host, as Exim orders a host's addresses by default.
  addrs.sort((a, b) => (a.type === b.type ? 0 : a.type === 'A' ? -1 : 1));
  return { status: 'ok', hosts: addrs.map((r) => ({ name, address: r.data, mx, dnssec: ans.authenticated })) };
}

/** Remove hosts whose address is in ignore_target_hosts. */
export async function dropIgnoredHosts(env: RoutingEnv, r: DriverInstance, hosts: RouteHost[]): Promise<RouteHost[]> {
  const list = await expandOption(r, 'ignore_target_hosts', env.ctx);
  if (list === undefined || list === '') return hosts;
  const out: RouteHost[] = [];
  for (const h of hosts) {
    if (h.address) {
      // traced as Exim does: by the option's name, one level in
      const level = (listTracer(env.ctx)?.level ?? 0) + 1;
      const m = await runSuspendable(env.ctx.memo, () => atTraceLevel(env.ctx, level, () => matchIpList(h.address!, list, env.ctx, { label: 'ignore_target_hosts' })));
      if (m.result === 'ok') {
        env.trace?.(`ignored host ${h.name} [${h.address}]`);
        continue;
      }
    }
    out.push(h);
  }
  return out;
}

export function isLocalHost(env: RoutingEnv, h: RouteHost): boolean {
  const ip = h.address ? parseIp(h.address) : null;
  return ip !== null && isLocalAddress(ip, env.ctx);
}

/**
 * The `self` option, when the first host is this host. `why` is Exim's
 * text for the situation ("remote host address is the local host",
 * "lowest numbered MX record points to local host").
 */
export function applySelf(env: RoutingEnv, r: DriverInstance, a: RoutingAddress, host: RouteHost, why: string): DriverAnswer | 'send' {
  const self = (rawOption(r, 'self') ?? 'freeze').trim();
  const logged = `${why}: ${a.domain} (while routing <${a.address}>)`;
  if (self === 'send') return 'send';
  if (self === 'pass') {
    setVar(env.ctx, 'self_hostname', host.name);
    return { rc: 'pass' };
  }
  if (self === 'fail') return { rc: 'fail', message: why };
  const re = /^reroute:\s*(?:rewrite:\s*)?(.+)$/.exec(self);
  if (re) return { rc: 'redirect', children: [{ kind: 'address', address: `${a.localPart}@${re[1].trim()}` }] };
  // freeze (the default) and defer: both defer here; freezing is a delivery matter.
  env.log?.(logged);
  return { rc: 'defer', message: why, logged };
}

/** Check the first host; the hosts to use, or the answer `self` gives. */
export function checkSelf(env: RoutingEnv, r: DriverInstance, a: RoutingAddress, hosts: RouteHost[], why: string): DriverAnswer | undefined {
  const first = hosts[0];
  if (!first || !isLocalHost(env, first)) return undefined;
  const s = applySelf(env, r, a, first, why);
  return s === 'send' ? undefined : s;
}
