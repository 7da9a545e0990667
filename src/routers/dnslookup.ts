// The dnslookup router: MX records, else the domain's own addresses
// (chapter "The dnslookup router"): widen_domains, mx_domains,
// mx_fail_domains, check_secondary_mx, ignore_target_hosts, self. A DNS
// temporary failure defers (pass_on_timeout passes instead).

import type { DriverInstance } from '../config/types.ts';
import { lookupMxSync } from '../dns/index.ts';
import { reportDnsFail } from '../dns/fail-event.ts';
import { atTraceLevel, listTracer, matchDomainList, splitList } from '../lists/index.ts';
import { traceAt } from '../lists/trace.ts';
import { runSuspendable } from '../util/suspend.ts';
import { checkSelf, dropIgnoredHosts, hostAddresses, isLocalHost } from './hosts.ts';
import { boolOption, expandOption, rawOption } from './options.ts';
import type { DriverAnswer, RouteHost, RoutingAddress, RoutingEnv } from './types.ts';

async function inList(env: RoutingEnv, r: DriverInstance, option: string, domain: string): Promise<boolean> {
  const list = await expandOption(r, option, env.ctx);
  if (list === undefined) return false;
  return (await runSuspendable(env.ctx.memo, () => matchDomainList(domain, list, env.ctx))).result === 'ok';
}

type Found = { rc: 'hosts'; hosts: RouteHost[]; viaMx: boolean; name: string } | { rc: 'none' } | { rc: 'again'; message: string };

/** -bh: Exim consults the router's DNSSEC lists before each DNS lookup of a domain's hosts, and traces that. */
async function traceDnssecLists(env: RoutingEnv, r: DriverInstance, name: string): Promise<void> {
  const t = listTracer(env.ctx);
  if (!t) return;
  const base = t.level;
  for (const [which, option] of [['require', 'dnssec_require_domains'], ['request', 'dnssec_request_domains']]) {
    traceAt(t, base + 1, `check dnssec ${which} list`);
    const list = await expandOption(r, option, env.ctx);
    if (list === undefined) traceAt(t, base + 2, `${name} in ${option}? no (option unset)`);
    else await runSuspendable(env.ctx.memo, () => atTraceLevel(env.ctx, base + 2, () => matchDomainList(name, list, env.ctx, { label: option })));
  }
}

async function lookupDomain(env: RoutingEnv, r: DriverInstance, domain: string): Promise<Found> {
  await traceDnssecLists(env, r, domain);
  const mx = await runSuspendable(env.ctx.memo, () => {
    const answer = lookupMxSync(env.ctx.memo, domain);
    reportDnsFail(env.ctx, answer, domain, 'MX');
    return answer;
  });
  if (mx.status === 'again' || mx.status === 'fail') return { rc: 'again', message: `host lookup for ${domain} did not complete (DNS timeout?)` };
  if (mx.status === 'ok' && mx.records.length > 0) {
    // A single MX of "." is a null MX (RFC 7505): no mail.
    if (mx.records.length === 1 && (mx.records[0].exchange ?? '') === '') return { rc: 'none' };
    const hosts: RouteHost[] = [];
    for (const rec of mx.records) {
      const h = await hostAddresses(env, rec.exchange ?? '', rec.priority);
      if (h.status === 'again') return { rc: 'again', message: `host lookup for ${rec.exchange} did not complete (DNS timeout?)` };
      if (h.status === 'ok') hosts.push(...h.hosts.map((x) => ({ ...x, dnssec: x.dnssec && mx.authenticated })));
    }
    return { rc: 'hosts', hosts, viaMx: true, name: domain };
  }
  if (mx.status === 'nxdomain') return { rc: 'none' };
  if (await inList(env, r, 'mx_domains', domain)) return { rc: 'none' };
  const h = await hostAddresses(env, domain);
  if (h.status === 'again') return { rc: 'again', message: h.message };
  if (h.status === 'notfound') return { rc: 'none' };
  return { rc: 'hosts', hosts: h.hosts, viaMx: false, name: domain };
}

export async function dnslookupRouter(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<DriverAnswer> {
  const domain = a.domain.toLowerCase();
  // An IP literal is the ipliteral router's business.
  if (domain.startsWith('[')) return { rc: 'decline' };
  const candidates = [domain];
  const widen = rawOption(r, 'widen_domains');
  if (widen !== undefined) for (const w of splitList(widen)) candidates.push(`${domain}.${w}`);
  let found: Found = { rc: 'none' };
  for (const name of candidates) {
    found = await lookupDomain(env, r, name);
    if (found.rc !== 'none') break;
  }
  if (found.rc === 'again') {
    if (boolOption(r, 'pass_on_timeout')) return { rc: 'pass' };
    return { rc: 'defer', message: found.message };
  }
  if (found.rc === 'none') {
    if (await inList(env, r, 'fail_defer_domains', domain)) return { rc: 'defer', message: `DNS lookup for ${domain} failed` };
    if (await inList(env, r, 'mx_fail_domains', domain)) return { rc: 'fail', message: 'all relevant MX records point to non-existent hosts' };
    return { rc: 'decline' };
  }
  let hosts = found.hosts;
  if (found.viaMx) {
    // This host in the MX list: drop it and everything at or below its preference.
    const local = hosts.filter((h) => isLocalHost(env, h));
    if (local.length > 0) {
      const cut = Math.min(...local.map((h) => h.mx ?? 0));
      const first = hosts[0];
      if ((first.mx ?? 0) >= cut) {
        const self = checkSelf(env, r, a, [first], 'lowest numbered MX record points to local host');
        if (self) return self;
      } else hosts = hosts.filter((h) => (h.mx ?? 0) < cut);
    } else if (boolOption(r, 'check_secondary_mx')) return { rc: 'decline' };
  } else if (boolOption(r, 'check_secondary_mx')) return { rc: 'decline' };
  hosts = await dropIgnoredHosts(env, r, hosts);
  // Exim's words when every MX host was dropped (the text the address fails with if nothing else routes it)
  if (hosts.length === 0) return found.viaMx ? { rc: 'decline', message: 'all relevant MX records point to non-existent hosts' } : { rc: 'decline' };
  if (!found.viaMx) {
    const self = checkSelf(env, r, a, hosts, 'remote host address is the local host');
    if (self) return self;
  }
  if (found.name !== domain) {
    a.domain = found.name;
    a.address = a.address.replace(/@[^@]*$/, `@${found.name}`);
  }
  return { rc: 'accept', transport: await expandOption(r, 'transport', env.ctx), hosts };
}
