// The ipliteral router: a domain that is an IP literal ("[192.0.2.1]",
// "[IPv6:2001:db8::1]") routes to that address (chapter "The ipliteral router").

import type { DriverInstance } from '../config/types.ts';
import { parseIp } from '../lists/index.ts';
import { checkSelf, dropIgnoredHosts } from './hosts.ts';
import { expandOption } from './options.ts';
import type { DriverAnswer, RoutingAddress, RoutingEnv } from './types.ts';

export async function ipliteralRouter(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<DriverAnswer> {
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(a.domain);
  if (!m || !parseIp(m[1])) return { rc: 'decline' };
  const hosts = await dropIgnoredHosts(env, r, [{ name: a.domain, address: m[1] }]);
  if (hosts.length === 0) return { rc: 'decline' };
  const self = checkSelf(env, r, a, hosts, 'remote host address is the local host');
  if (self) return self;
  return { rc: 'accept', transport: await expandOption(r, 'transport', env.ctx), hosts };
}
