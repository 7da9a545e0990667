// Host lists. Items that look at the client's IP address: "" (no remote
// host), "*", addresses and CIDR networks, "@[]" (a local interface),
// net-/netN- single-key lookups (key made from the address), query-style
// lookups, plain host names and "@" (forward lookup, compare addresses).
// Items that need the client's name: "*suffix", "^regex" and single-key
// lookups without net- (the name comes from a reverse lookup verified by a
// forward one, found once and remembered on the subject). A name or address
// that cannot be found is "unknown": the list fails there, unless
// +include_unknown/+ignore_unknown say otherwise; DNS trouble defers, unless
// +include_defer/+ignore_defer. match_ip uses the same walk in "IP only"
// mode: no names, and single-key lookups are keyed by address.

import type { ExpandContext } from '../expand/context.ts';
import { lookupHostAddressesSync } from '../dns/index.ts';
import { hostsFileAddresses } from '../dns/hosts-file.ts';
import { parseLookupSpec } from '../lookups/spec.ts';
import { ipInNet, ipKeyText, maskIp, normaliseMapped, parseIp, parseNet, type IpAddr } from './ip.ts';
import { isLocalAddress, primaryHostname } from './local-host.ts';
import { lookupItem, regexOutcome, splitLookupItem, starOutcome } from './string-item.ts';
import { FAIL, type ItemOutcome, type ListMatch } from './types.ts';
import { newWalkState, walkList, type ListKind, type ListOptions, type WalkState } from './walk.ts';
import { hostNameLookup, noHostNameLogLine } from './host-name.ts';
import { afterHeldTrace, listTracer } from './trace.ts';

/** The host being checked. name/aliases are filled in by a reverse lookup when an item needs them. */
export interface HostSubject {
  address?: string;
  name?: string;
  aliases?: string[];
  /** Set after a reverse lookup found no (verified) name. */
  nameLookupFailed?: boolean;
}

function subjectIp(host: HostSubject): IpAddr | null {
  if (!host.address) return null;
  const ip = parseIp(host.address.replace(/%.*$/, ''));
  return ip ? normaliseMapped(ip) : null;
}

/** The client's names, finding them by reverse+forward DNS (hostNameLookup) if not known yet. */
function hostNames(host: HostSubject, ctx: ExpandContext, item: string): { names: string[] } | ItemOutcome {
  if (host.name) return { names: [host.name, ...(host.aliases ?? [])] };
  if (!host.address || host.nameLookupFailed) return { r: host.address ? 'unknown' : 'fail' };
  if (!subjectIp(host)) return { r: 'unknown' };
  const tracer = listTracer(ctx);
  // Exim's debug lines here are not indented; its DNSSEC list checks are, one level below the item
  tracer?.write(`sender host name required, to match against ${item}`);
  const r = hostNameLookup(ctx, host, tracer && { write: (line) => listTracer(ctx)?.write(line), level: tracer.level + 1 });
  if (r.rc === 'defer') return { r: 'defer', message: `DNS lookup of the name of ${host.address} deferred` };
  if (noHostNameLogLine(r, host.address) !== undefined) {
    const address = host.address;
    afterHeldTrace(ctx, () => {
      if (ctx.hooks.noHostName && ctx.memo.firstTime(`no-host-name\0${address}`)) ctx.hooks.noHostName(address);
    });
  }
  if (r.rc === 'fail' || !host.name) return { r: 'unknown', message: `failed to find host name for ${host.address}` };
  return { names: [host.name, ...(host.aliases ?? [])] };
}

function sameIp(text: string, ip: IpAddr): boolean {
  const other = parseIp(text);
  if (!other) return false;
  const a = normaliseMapped(other);
  return a.v6 === ip.v6 && a.words.every((w, i) => w === ip.words[i]);
}

/** Key for a net-/netN- lookup: the (masked) address, IPv6 with '.' or, for iplsearch, ':'. */
export function netLookupKey(ip: IpAddr, bits: number | undefined, lookupName: string): string {
  const sep = lookupName === 'iplsearch' ? ':' : '.';
  if (bits === undefined) return ipKeyText(ip, sep);
  const max = ip.v6 ? 128 : 32;
  const b = Math.min(bits, max);
  return `${ipKeyText(maskIp(ip, b), sep)}/${b}`;
}

function forwardMatch(name: string, host: HostSubject, ctx: ExpandContext): ItemOutcome {
  const ip = subjectIp(host);
  if (!ip) return FAIL;
  const ans = lookupHostAddressesSync(ctx.memo, name);
  if (ans.status === 'again' || ans.status === 'fail') return { r: 'defer', message: `DNS lookup of ${name} deferred` };
  if (ans.status !== 'ok') {
    // Exim looks such names up with gethostbyname(): the hosts file answers too
    const local = hostsFileAddresses(name);
    if (local.length > 0) {
      traceLookedUp(ctx, name, local);
      return local.some((a) => sameIp(a, ip)) ? { r: 'ok', data: name } : FAIL;
    }
    reportHostNotFound(ctx, name);
    return { r: 'unknown', message: `failed to find IP address for ${name}` };
  }
  traceLookedUp(ctx, name, ans.records.map((r) => r.data ?? ''));
  return ans.records.some((r) => r.data && sameIp(r.data, ip)) ? { r: 'ok', data: name } : FAIL;
}

function reportHostNotFound(ctx: ExpandContext, name: string): void {
  // a match replayed after a wait must not log twice
  afterHeldTrace(ctx, () => {
    if (ctx.hooks.hostNotFound && ctx.memo.firstTime(`host-not-found\0${name}`)) ctx.hooks.hostNotFound(name);
  });
}

/** Exim's debug lines for a name item's addresses (its host_find_byname uses gethostbyname2). */
function traceLookedUp(ctx: ExpandContext, name: string, addresses: string[]): void {
  const t = listTracer(ctx);
  if (!t) return;
  t.write('gethostbyname2 looked up these IP addresses:');
  for (const a of addresses) if (a) t.write(`  name=${name} address=${a}`);
}

function matchNameItem(host: HostSubject, item: string, ctx: ExpandContext, test: (name: string) => ItemOutcome): ItemOutcome {
  const found = hostNames(host, ctx, item);
  if (!('names' in found)) return found;
  for (const n of found.names) {
    const out = test(n);
    if (out.r !== 'fail') return out;
  }
  return FAIL;
}

export function matchHostItem(host: HostSubject, item: string, ctx: ExpandContext, ipOnly: boolean): ItemOutcome {
  // Only lookup items give $host_data (and match_ip's $value) a value, as in Exim.
  if (item === '') return host.address ? FAIL : { r: 'ok' };
  if (item === '*') return { r: 'ok' };
  const net = parseNet(item);
  if (net) {
    const ip = subjectIp(host);
    return ip && ipInNet(ip, net) ? { r: 'ok' } : FAIL;
  }
  if (item === '@[]') {
    const ip = subjectIp(host);
    return ip && isLocalAddress(ip, ctx) ? { r: 'ok' } : FAIL;
  }
  const lk = splitLookupItem(item);
  if (lk) {
    const m = /^net(\d*)-(.*)$/.exec(lk.type);
    const type = m ? m[2] : lk.type;
    let style;
    try {
      style = parseLookupSpec(type).driver.style;
    } catch (err) {
      return { r: 'defer', message: err instanceof Error ? err.message : String(err) };
    }
    if (style === 'query') return lookupItem(type, lk.data, '', ctx);
    if (m || ipOnly) {
      const ip = subjectIp(host);
      if (!ip) return FAIL;
      const name = type.replace(/^partial[^-(]*(?:-|\([^)]*\))/, '').replace(/[*,].*$/, '');
      return lookupItem(type, lk.data, netLookupKey(ip, m && m[1] !== '' ? Number(m[1]) : undefined, name), ctx);
    }
    return matchNameItem(host, item, ctx, (n) => lookupItem(type, lk.data, n, ctx));
  }
  if (ipOnly) return FAIL;
  if (item[0] === '^') return matchNameItem(host, item, ctx, (n) => regexOutcome(n, item, true));
  if (item[0] === '*') return matchNameItem(host, item, ctx, (n) => starOutcome(n, item, true));
  return forwardMatch(item === '@' ? primaryHostname(ctx) : item, host, ctx);
}

function special(item: string, state: WalkState): boolean {
  switch (item) {
    case '+include_unknown': state.unknown = 'include'; return true;
    case '+ignore_unknown': state.unknown = 'ignore'; return true;
    case '+include_defer': state.defer = 'include'; return true;
    case '+ignore_defer': state.defer = 'ignore'; return true;
    default: return false;
  }
}

function hostKind(host: HostSubject, ipOnly: boolean): ListKind {
  return {
    kind: 'host',
    word: 'host',
    comments: 'anywhere',
    special,
    matchItem: (item, state) => matchHostItem(host, item, state.ctx, ipOnly),
    subjectKey: () => `${ipOnly ? 'ip' : 'host'} ${host.address ?? ''} ${host.name ?? ''}`,
    traceName: ipOnly ? host.address ?? '' : 'host',
  };
}

/** Is the host in the (already expanded) host list? May fill in host.name (reverse lookup). */
export function matchHostList(host: HostSubject, listText: string, ctx: ExpandContext, opts: ListOptions = {}): ListMatch {
  return walkList(listText, hostKind(host, false), newWalkState(ctx, false, opts), opts.label);
}

/** match_ip: an address against a host list restricted to address items; "" means no host. */
export function matchIpList(ip: string, listText: string, ctx: ExpandContext, opts: ListOptions = {}): ListMatch {
  return walkList(listText, hostKind({ address: ip }, true), newWalkState(ctx, false, opts), opts.label);
}
