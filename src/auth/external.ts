// The external authenticator, server side (RFC 4422 appendix A). The client
// states an identity (base64, on the AUTH line or in answer to an empty
// prompt) which lands in $auth1; server_param2 and server_param3 are
// expanded into $auth2 and $auth3, and server_condition decides, typically
// by comparing the identity with the verified TLS client certificate.

import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { decodeAuthBase64, splitAtNuls } from './base64.ts';
import { askClient, AUTH_VAR_COUNT, checkServerCondition, driverOption, GenericServer, setAuthVars, withSetId } from './common.ts';
import { expandParams } from './tls.ts';
import type { AuthIo, AuthOutcome } from './types.ts';

export class ExternalServer extends GenericServer {
  readonly implemented = true;
  private readonly params: (string | undefined)[];

  constructor(inst: DriverInstance) {
    super(inst);
    this.params = [driverOption(inst, 'server_param2'), driverOption(inst, 'server_param3')];
  }

  /** An external instance is a server when server_condition is set. */
  static isServer(inst: DriverInstance): boolean {
    return driverOption(inst, 'server_condition') !== undefined;
  }

  async serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    const strings: string[] = [];
    setAuthVars(ctx, strings);
    if (initialResponse === '=') {
      strings.push('');
    } else if (initialResponse !== undefined && initialResponse !== '') {
      const data = decodeAuthBase64(initialResponse);
      if (!data) return { result: 'bad64' };
      strings.push(...splitAtNuls(data));
    } else {
      const data = await askClient(io, '');
      if (!Buffer.isBuffer(data)) return data;
      strings.push(...splitAtNuls(data));
    }
    // The identity is $auth1; the parameters replace $auth2 and $auth3.
    setAuthVars(ctx, strings.slice(0, AUTH_VAR_COUNT));
    const params = await expandParams(this.params, 1, ctx);
    const outcome = params ?? await checkServerCondition(this.generic.serverCondition, ctx);
    return withSetId(outcome, this.generic.setId, ctx);
  }
}

