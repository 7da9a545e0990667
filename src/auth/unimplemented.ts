// Authenticator drivers Exim has and tern does not yet. A configuration
// that defines one still loads; the first AUTH that selects it fails with
// a temporary error ("435 Internal error") and a log message naming it.

import type { DriverInstance } from '../config/index.ts';
import { GenericServer } from './common.ts';
import type { AuthOutcome } from './types.ts';

export const UNIMPLEMENTED_DRIVERS: ReadonlySet<string> = new Set([
  'cyrus_sasl', 'gsasl', 'heimdal_gssapi',
]);

export class UnimplementedServer extends GenericServer {
  readonly implemented = false;

  /** Server side wanted when any server_ option is set (Exim's rule for its drivers). */
  static isServer(inst: DriverInstance): boolean {
    for (const name of inst.options.keys()) if (name.startsWith('server_')) return true;
    return false;
  }

  get notImplementedMessage(): string {
    return `authenticator driver ${this.driverName} not implemented yet`;
  }

  async serve(): Promise<AuthOutcome> {
    return { result: 'error', message: this.notImplementedMessage };
  }
}
