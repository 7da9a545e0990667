// What "this host" means to lists: the primary host name ("@") and the local
// interface addresses ("@[]", @mx_*): the machine's interfaces plus any
// explicit addresses in local_interfaces / extra_local_interfaces.

import { hostname, networkInterfaces } from 'node:os';
import type { ExpandContext } from '../expand/context.ts';
import { normaliseMapped, parseIp, ipToString, type IpAddr } from './ip.ts';
import { splitList } from './split.ts';

export function primaryHostname(ctx: ExpandContext): string {
  return ctx.vars.get('primary_hostname')?.value ?? ctx.options?.get('primary_hostname') ?? hostname();
}

let interfaceCache: Set<string> | undefined;

function interfaceAddresses(): Set<string> {
  if (!interfaceCache) {
    interfaceCache = new Set();
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        const ip = parseIp(a.address.replace(/%.*$/, ''));
        if (ip) interfaceCache.add(ipToString(normaliseMapped(ip)));
      }
    }
  }
  return interfaceCache;
}

/** Is ip one of this host's addresses? */
export function isLocalAddress(ip: IpAddr, ctx: ExpandContext): boolean {
  const text = ipToString(normaliseMapped(ip));
  if (interfaceAddresses().has(text)) return true;
  for (const opt of ['local_interfaces', 'extra_local_interfaces']) {
    const list = ctx.options?.get(opt);
    if (!list) continue;
    for (const item of splitList(list)) {
      // Items may carry a port: "1.2.3.4.25" or "[::1]:25"; compare the address part.
      const addr = item.replace(/^\[(.*)\](?::\d+)?$/, '$1');
      const p = parseIp(addr) ?? parseIp(addr.replace(/\.\d+$/, ''));
      if (p && ipToString(normaliseMapped(p)) === text) return true;
    }
  }
  return false;
}
