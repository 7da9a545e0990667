// The plaintext authenticator, server side (PLAIN, LOGIN and the like).
// Data strings come NUL-separated, with the AUTH command and then in
// answer to the server_prompts not yet covered; once there are as many
// strings as prompts, server_condition decides.

import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { splitList } from '../lists/split.ts';
import { decodeAuthBase64, splitAtNuls } from './base64.ts';
import {
  askClient, AUTH_VAR_COUNT, checkServerCondition, driverOption, GenericServer, setAuthVars, tryExpand, withSetId,
} from './common.ts';
import type { AuthIo, AuthOutcome } from './types.ts';

export class PlaintextServer extends GenericServer {
  readonly implemented = true;
  private readonly prompts: string | undefined;

  constructor(inst: DriverInstance) {
    super(inst);
    this.prompts = driverOption(inst, 'server_prompts');
  }

  /** A plaintext instance is a server when server_condition is set. */
  static isServer(inst: DriverInstance): boolean {
    return driverOption(inst, 'server_condition') !== undefined;
  }

  async serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    const strings: string[] = [];
    setAuthVars(ctx, strings);
    let prompts: readonly string[] = [];
    if (this.prompts !== undefined) {
      const r = await tryExpand(this.prompts, ctx);
      if (!r.ok) return { result: 'defer', message: `expansion of "${this.prompts}" failed: ${r.message}` };
      prompts = splitList(r.value);
    }
    if (initialResponse === '=') {
      strings.push(''); // "=" stands for data that is empty
    } else if (initialResponse !== undefined && initialResponse !== '') {
      const data = decodeAuthBase64(initialResponse);
      if (!data) return { result: 'bad64' };
      strings.push(...splitAtNuls(data));
    }
    while (strings.length < prompts.length) {
      const data = await askClient(io, prompts[strings.length]);
      if (!Buffer.isBuffer(data)) return data;
      strings.push(...splitAtNuls(data));
    }
    setAuthVars(ctx, strings.slice(0, AUTH_VAR_COUNT));
    const outcome = await checkServerCondition(this.generic.serverCondition, ctx);
    return withSetId(outcome, this.generic.setId, ctx);
  }
}
