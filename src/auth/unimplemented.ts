// Authenticator drivers Exim has and tern does not yet. A configuration
// that defines one still loads; the first AUTH that selects it fails with
// a temporary error ("435 Internal error") and a log message naming it.

import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { checkAdvertise, genericServerOptions, type GenericServerOptions } from './common.ts';
import type { AuthOutcome, ServerAuthenticator } from './types.ts';

export const UNIMPLEMENTED_DRIVERS: ReadonlySet<string> = new Set([
  'cyrus_sasl', 'dovecot', 'external', 'gsasl', 'heimdal_gssapi', 'spa', 'tls',
]);

export class UnimplementedServer implements ServerAuthenticator {
  readonly driverName: string;
  readonly instanceName: string;
  readonly publicName: string;
  readonly implemented = false;
  readonly mailAuthCondition: string | undefined;
  private readonly generic: GenericServerOptions;

  constructor(inst: DriverInstance) {
    this.generic = genericServerOptions(inst);
    this.driverName = this.generic.driverName;
    this.instanceName = this.generic.instanceName;
    this.publicName = this.generic.publicName;
    this.mailAuthCondition = this.generic.mailAuthCondition;
  }

  /** Server side wanted when any server_ option is set (Exim's rule for its drivers). */
  static isServer(inst: DriverInstance): boolean {
    for (const name of inst.options.keys()) if (name.startsWith('server_')) return true;
    return false;
  }

  get notImplementedMessage(): string {
    return `authenticator driver ${this.driverName} not implemented yet`;
  }

  advertise(ctx: ExpandContext, log?: (text: string) => void): Promise<boolean> {
    return checkAdvertise(this.generic.advertiseCondition, this.instanceName, ctx, log);
  }

  async serve(): Promise<AuthOutcome> {
    return { result: 'error', message: this.notImplementedMessage };
  }
}
