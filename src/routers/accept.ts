// The accept router: accepts every address its preconditions let through,
// assigning the transport (chapter "The accept router").

import type { DriverInstance } from '../config/types.ts';
import { expandOption } from './options.ts';
import type { DriverAnswer, RoutingAddress, RoutingEnv } from './types.ts';

export async function acceptRouter(env: RoutingEnv, r: DriverInstance, _a: RoutingAddress): Promise<DriverAnswer> {
  return { rc: 'accept', transport: await expandOption(r, 'transport', env.ctx) };
}
