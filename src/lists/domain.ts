// Domain lists: "@" (primary host name), "@[]" (a domain literal naming a
// local address), "@mx_any"/"@mx_primary"/"@mx_secondary" (MX records point
// here; optional "/ignore=<ip list>"), and the string items of
// string-item.ts, all caseless.

import type { ExpandContext } from '../expand/context.ts';
import { lookupHostAddressesSync, lookupMxSync } from '../dns/index.ts';
import { asciiLower } from '../lookups/lsearch-format.ts';
import { parseIp } from './ip.ts';
import { matchIpList } from './host.ts';
import { isLocalAddress, primaryHostname } from './local-host.ts';
import { matchStringItem } from './string-item.ts';
import { FAIL, type ItemOutcome, type ListMatch } from './types.ts';
import { newWalkState, walkList, type ListKind, type ListOptions, type WalkState } from './walk.ts';

function domainLiteralIsLocal(domain: string, ctx: ExpandContext): boolean {
  if (domain[0] !== '[' || domain[domain.length - 1] !== ']') return false;
  let inner = domain.slice(1, -1);
  if (/^ipv6:/i.test(inner)) inner = inner.slice(5);
  const ip = parseIp(inner);
  return ip !== null && isLocalAddress(ip, ctx);
}

/** @mx_any, @mx_primary, @mx_secondary (with optional /ignore=list). */
function matchMx(domain: string, item: string, ctx: ExpandContext): ItemOutcome {
  const slash = item.indexOf('/');
  const which = slash < 0 ? item : item.slice(0, slash);
  let ignore: string | undefined;
  if (slash >= 0) {
    const rest = item.slice(slash + 1);
    if (!rest.startsWith('ignore=')) return { r: 'defer', message: `unknown option "${rest}" in "${item}"` };
    ignore = rest.slice(7);
  }
  const mx = lookupMxSync(ctx.memo, domain);
  if (mx.status === 'again' || mx.status === 'fail') return { r: 'defer', message: `DNS lookup of MX records for ${domain} deferred` };
  if (mx.status !== 'ok' || mx.records.length === 0) return FAIL;
  const treatAsLocal = ctx.options?.get('hosts_treat_as_local');
  const best = Math.min(...mx.records.map((r) => r.priority ?? 0));
  let localPrimary = false;
  let localOther = false;
  for (const rec of mx.records) {
    const target = rec.exchange ?? rec.data ?? '';
    let local = treatAsLocal !== undefined && matchDomainList(target, treatAsLocal, ctx).result === 'ok';
    if (!local) {
      const addrs = lookupHostAddressesSync(ctx.memo, target);
      if (addrs.status === 'again') return { r: 'defer', message: `DNS lookup of ${target} deferred` };
      for (const a of addrs.records) {
        if (!a.data) continue;
        if (ignore !== undefined && matchIpList(a.data, ignore, ctx).result === 'ok') continue;
        const ip = parseIp(a.data);
        if (ip && isLocalAddress(ip, ctx)) {
          local = true;
          break;
        }
      }
    }
    if (!local) continue;
    if ((rec.priority ?? 0) === best) localPrimary = true;
    else localOther = true;
  }
  const hit = which === '@mx_any' ? localPrimary || localOther : which === '@mx_primary' ? localPrimary : !localPrimary && localOther;
  return hit ? { r: 'ok', data: item } : FAIL;
}

/** Match one domain-list item (used by address lists for their domain parts too). */
export function matchDomainItem(domain: string, item: string, ctx: ExpandContext): ItemOutcome {
  if (item === '@') {
    const primary = primaryHostname(ctx);
    return asciiLower(domain) === asciiLower(primary) ? { r: 'ok', data: primary } : FAIL;
  }
  if (item === '@[]') return domainLiteralIsLocal(domain, ctx) ? { r: 'ok', data: '@[]' } : FAIL;
  if (item.startsWith('@mx_any') || item.startsWith('@mx_primary') || item.startsWith('@mx_secondary')) {
    return matchMx(domain, item, ctx);
  }
  return matchStringItem(domain, item, ctx, true);
}

export function domainKind(domain: string): ListKind {
  return {
    kind: 'domain',
    word: 'domain',
    comments: 'anywhere',
    matchItem: (item: string, state: WalkState) => matchDomainItem(domain, item, state.ctx),
    subjectKey: () => domain,
    traceName: domain,
  };
}

export function matchDomainList(domain: string, listText: string, ctx: ExpandContext, opts: ListOptions = {}): ListMatch {
  return walkList(listText, domainKind(domain), newWalkState(ctx, false, opts), opts.label);
}
