// Drivers tern knows by name but does not run yet: the address is deferred
// with a text naming what is missing, never silently routed.

import type { DriverInstance } from '../config/types.ts';
import type { DriverAnswer, RoutingAddress, RoutingEnv } from './types.ts';

export function notImplementedRouter(what: string) {
  return async (_env: RoutingEnv, r: DriverInstance, _a: RoutingAddress): Promise<DriverAnswer> =>
    ({ rc: 'defer', message: `${r.name} router: ${what} not implemented yet` });
}
