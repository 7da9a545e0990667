// The manualroute router: hosts from route_list rules or route_data
// (chapter "The manualroute router"): rule options randomize/no_randomize,
// byname/bydns, a transport name; "/MX" host items; host_find_failed and
// host_all_ignored; self.

import type { DriverInstance } from '../config/types.ts';
import { expandString, ExpandError, ForcedFail } from '../expand/index.ts';
import { matchDomainList, splitList } from '../lists/index.ts';
import { lookupMxSync } from '../dns/index.ts';
import { runSuspendable } from '../util/suspend.ts';
import { checkSelf, dropIgnoredHosts, hostAddresses, isLocalHost } from './hosts.ts';
import { boolOption, expandedBool, expandOption, rawOption } from './options.ts';
import type { DriverAnswer, RouteHost, RoutingAddress, RoutingEnv } from './types.ts';

const LOCAL_TRANSPORT_DRIVERS = new Set(['appendfile', 'pipe', 'autoreply', 'lmtp', 'queuefile']);

/** Split "a b 'c d'" into words, honouring double quotes as Exim's rule reader does. */
export function ruleWords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      let w = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        w += text[i++];
      }
      i++;
      out.push(w);
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i])) i++;
      out.push(text.slice(start, i));
    }
  }
  return out;
}

interface Rule {
  hosts: string;
  options: string[];
}

async function findRule(env: RoutingEnv, r: DriverInstance, domain: string): Promise<Rule | undefined | 'defer'> {
  const routeData = rawOption(r, 'route_data');
  if (routeData !== undefined) {
    const data = await expandOption(r, 'route_data', env.ctx);
    if (data === undefined || data.trim() === '') return undefined;
    const [hosts, ...options] = ruleWords(data);
    return { hosts: hosts ?? '', options };
  }
  const list = rawOption(r, 'route_list');
  if (list === undefined) return undefined;
  for (const item of splitList(list, ';')) {
    const [pattern, hosts, ...options] = ruleWords(item);
    if (pattern === undefined) continue;
    const m = await runSuspendable(env.ctx.memo, () => matchDomainList(domain, pattern.replace(/:/g, '::'), env.ctx));
    if (m.result === 'defer') return 'defer';
    if (m.result !== 'ok') continue;
    env.ctx.vars.set('0', { value: domain, tainted: true });
    m.captures?.forEach((c, i) => { if (i > 0) env.ctx.vars.set(String(i), { value: c, tainted: true }); });
    if (m.data !== undefined) env.ctx.vars.set('value', { value: m.data, tainted: false });
    if (hosts === undefined) return { hosts: '', options };
    try {
      return { hosts: expandString(hosts, env.ctx), options };
    } catch (e) {
      if (e instanceof ExpandError || e instanceof ForcedFail) return undefined;
      throw e;
    }
  }
  return undefined;
}

function shuffleGroups(items: string[]): string[] {
  const groups: string[][] = [[]];
  for (const it of items) {
    if (it === '+') groups.push([]);
    else groups[groups.length - 1].push(it);
  }
  return groups.flatMap((g) => {
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [g[i], g[j]] = [g[j], g[i]];
    }
    return g;
  });
}

export type Failed = 'decline' | 'defer' | 'fail' | 'freeze' | 'ignore' | 'pass';

function failedAnswer(how: Failed, what: string): DriverAnswer | undefined {
  switch (how) {
    case 'ignore': return undefined;
    case 'decline': return { rc: 'decline' };
    case 'pass': return { rc: 'pass' };
    case 'fail': return { rc: 'fail', message: what };
    default: return { rc: 'defer', message: what };
  }
}

/**
 * One host item (section "Format of one host item"): a name or address with
 * an optional port after a colon; an address with a port may be in brackets
 * (IPv6 needs them: its own colons are never taken for a port).
 */
export function hostItem(item: string): { name: string; port?: number } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(item);
  if (bracketed) return { name: bracketed[1], port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const m = /^([^:]*):(\d+)$/.exec(item);
  return m ? { name: m[1], port: Number(m[2]) } : { name: item };
}

export async function manualrouteRouter(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<DriverAnswer> {
  const domain = a.domain.toLowerCase();
  const rule = await findRule(env, r, domain);
  if (rule === 'defer') return { rc: 'defer', message: `lookup defer for route_list of ${r.name} router` };
  if (rule === undefined) return { rc: 'decline' };
  let randomize = await expandedBool(r, 'hosts_randomize', env.ctx);
  let transportName: string | undefined;
  let lookup: 'byname' | 'bydns' | undefined;
  for (const o of rule.options) {
    if (o === 'randomize') randomize = true;
    else if (o === 'no_randomize') randomize = false;
    else if (o === 'byname' || o === 'bydns') lookup = o;
    else if (env.config.transports.some((t) => t.name === o)) transportName = o;
    else return { rc: 'defer', message: `unknown routing option or transport name "${o}" in ${r.name} router` };
  }
  const transport = transportName ?? (await expandOption(r, 'transport', env.ctx));
  const tdrv = env.config.transports.find((t) => t.name === transport)?.driver;
  if (tdrv !== undefined && LOCAL_TRANSPORT_DRIVERS.has(tdrv)) {
    // A local transport: the host list (if any) is passed on unresolved.
    const hosts = splitList(rule.hosts).filter((h) => h !== '' && h !== '+').map((name) => ({ name }));
    return { rc: 'accept', transport, hosts: hosts.length > 0 ? hosts : undefined };
  }
  let items = splitList(rule.hosts).filter((h) => h !== '');
  items = randomize ? shuffleGroups(items) : items.filter((h) => h !== '+');
  if (items.length === 0) return { rc: 'decline' };
  return routeToHostItems(env, r, a, items, transport, { byDnsOnly: lookup === 'bydns' });
}

/**
 * Accept an address for a remote transport with a list of host items (names,
 * addresses, "/MX" sublists, ports), found as manualroute finds them
 * (host_find_failed, host_all_ignored, self); queryprogram's HOSTS= too.
 */
export async function routeToHostItems(env: RoutingEnv, r: DriverInstance, a: RoutingAddress, items: string[], transport: string | undefined,
  policy: { hostFindFailed?: Failed; hostAllIgnored?: Failed; byDnsOnly?: boolean } = {}): Promise<DriverAnswer> {
  const domain = a.domain.toLowerCase();
  const notFound = policy.hostFindFailed ?? (rawOption(r, 'host_find_failed') ?? 'freeze') as Failed;
  let hosts: RouteHost[] = [];
  for (const [index, item] of items.entries()) {
    const { name, port } = hostItem(item);
    const mx = /^(.*)\/mx$/i.exec(name);
    let found: RouteHost[];
    if (mx) {
      const ans = await runSuspendable(env.ctx.memo, () => lookupMxSync(env.ctx.memo, mx[1]));
      if (ans.status === 'again' || ans.status === 'fail') {
        if (boolOption(r, 'pass_on_timeout')) return { rc: 'pass' };
        return { rc: 'defer', message: `host lookup for ${mx[1]} did not complete (DNS timeout?)` };
      }
      found = [];
      for (const rec of ans.records) {
        const h = await hostAddresses(env, rec.exchange ?? '', rec.priority);
        if (h.status === 'ok') found.push(...h.hosts);
      }
    } else {
      // bydns: the DNS only; otherwise (and byname) a name the DNS does not know is looked for in the hosts file
      const h = await hostAddresses(env, name, undefined, { byName: !policy.byDnsOnly });
      if (h.status === 'again') {
        if (boolOption(r, 'pass_on_timeout')) return { rc: 'pass' };
        return { rc: 'defer', message: `host lookup for ${name} did not complete (DNS timeout?)` };
      }
      if (h.status === 'notfound') {
        const ans = failedAnswer(notFound, `lookup of host "${name}" failed in ${r.name} router`);
        if (ans) return ans;
        continue;
      }
      found = h.hosts;
    }
    // A local host after the first item ends the list (as with MX records).
    if (index > 0 && found.some((h) => isLocalHost(env, h))) break;
    hosts.push(...(port === undefined ? found : found.map((h) => ({ ...h, port }))));
  }
  hosts = await dropIgnoredHosts(env, r, hosts);
  if (hosts.length === 0) {
    const ans = failedAnswer(policy.hostAllIgnored ?? (rawOption(r, 'host_all_ignored') ?? 'defer') as Failed, `all hosts for ${domain} ignored or not found`);
    return ans ?? { rc: 'decline' };
  }
  const self = checkSelf(env, r, a, hosts, 'remote host address is the local host');
  if (self) return self;
  return { rc: 'accept', transport, hosts };
}

