// The tls authenticator: no SMTP exchange and never advertised. The SMTP
// session runs it once each time TLS starts (STARTTLS or TLS on connect)
// when the client's certificate was verified, before the next command;
// server_param1..3 (server_param is another name for the first) are
// expanded into $auth1..$auth3 and server_condition decides. Success makes
// the connection authenticated, so EHLO then offers no AUTH.

import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { checkServerCondition, driverOption, GenericServer, setAuthVars, tryExpand, withSetId } from './common.ts';
import type { AuthOutcome } from './types.ts';

/**
 * Expand each set parameter into $auth<first+1>, $auth<first+2>...:
 * a forced failure fails the authentication, another error defers it;
 * undefined when all expanded.
 */
export async function expandParams(params: readonly (string | undefined)[], first: number, ctx: ExpandContext): Promise<AuthOutcome | undefined> {
  for (let i = 0; i < params.length; i++) {
    const text = params[i];
    if (text === undefined) continue;
    const r = await tryExpand(text, ctx);
    if (!r.ok) return r.forced ? { result: 'fail' } : { result: 'defer', message: `expansion of "${text}" failed: ${r.message}` };
    ctx.vars.set(`auth${first + i + 1}`, { value: r.value, tainted: r.tainted });
  }
  return undefined;
}

export class TlsServer extends GenericServer {
  readonly implemented = true;
  private readonly params: (string | undefined)[];

  constructor(inst: DriverInstance) {
    super(inst);
    this.params = [
      driverOption(inst, 'server_param1') ?? driverOption(inst, 'server_param'),
      driverOption(inst, 'server_param2'),
      driverOption(inst, 'server_param3'),
    ];
  }

  /** A tls instance is a server when it has any server option (it has no client side). */
  static isServer(inst: DriverInstance): boolean {
    for (const name of inst.options.keys()) if (name.startsWith('server_')) return true;
    return false;
  }

  /** Not an SMTP mechanism: never in the EHLO list, never chosen by AUTH. */
  override advertise(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** Run at TLS start; io and initial data are not used. */
  async serve(_io: unknown, _initial: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    return this.authenticate(ctx);
  }

  async authenticate(ctx: ExpandContext): Promise<AuthOutcome> {
    setAuthVars(ctx, []);
    const outcome = await expandParams(this.params, 0, ctx) ?? await checkServerCondition(this.generic.serverCondition, ctx);
    return withSetId(outcome, this.generic.setId, ctx);
  }
}
