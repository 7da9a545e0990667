// What every server authenticator shares: reading its options, the
// $auth1.. variables, and the yes/no/other reading of server_condition,
// server_advertise_condition, server_set_id and server_mail_auth_condition,
// and GenericServer, the base class each driver's server extends.

import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { decodeAuthBase64, encodeAuthBase64 } from './base64.ts';
import { ExpandError, ForcedFail } from '../expand/errors.ts';
import { expandStringAsyncWithTaint } from '../expand/index.ts';
import type { AuthIo, AuthOutcome, ServerAuthenticator } from './types.ts';

/** How many $authN variables Exim keeps. */
export const AUTH_VAR_COUNT = 4;

/** An option's configured text, or undefined when unset. */
export function driverOption(inst: DriverInstance, name: string): string | undefined {
  const v = inst.options.get(name)?.value;
  if (!v || v.kind === 'unset') return undefined;
  if (v.kind === 'string' || v.kind === 'ids') return v.value;
  if (v.kind === 'bool') return v.value ? 'true' : 'false';
  if (v.kind === 'number') return String(v.value);
  return v.value.join(':');
}

/** Set $auth1.. from the data strings received (the rest emptied). Data from the client is tainted. */
export function setAuthVars(ctx: ExpandContext, values: readonly string[]): void {
  for (let i = 0; i < AUTH_VAR_COUNT; i++) {
    const v = values[i];
    if (v === undefined) ctx.vars.delete(`auth${i + 1}`);
    else ctx.vars.set(`auth${i + 1}`, { value: v, tainted: true });
  }
}

/** Exim's reading of a yes/no expansion result: false, true, or neither. */
export function truthOf(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === '' || t === '0' || t === 'no' || t === 'false') return false;
  if (t === '1' || t === 'yes' || t === 'true') return true;
  return undefined;
}

/** Expand, reporting forced failure and errors as values rather than throws. */
export async function tryExpand(
  text: string,
  ctx: ExpandContext,
): Promise<{ ok: true; value: string; tainted: boolean } | { ok: false; forced: boolean; message: string }> {
  try {
    const r = await expandStringAsyncWithTaint(text, ctx);
    return { ok: true, value: r.value, tainted: r.tainted };
  } catch (e) {
    if (e instanceof ForcedFail) return { ok: false, forced: true, message: e.message };
    if (e instanceof ExpandError) return { ok: false, forced: false, message: e.message };
    throw e;
  }
}

/**
 * server_condition after the mechanism's own checks passed (or, for
 * plaintext, as the whole check): unset means success; forced failure and
 * false values fail; true values succeed; any other result defers with the
 * result shown to the client; an expansion error defers with the error logged.
 */
export async function checkServerCondition(condition: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
  if (condition === undefined) return { result: 'ok' };
  const r = await tryExpand(condition, ctx);
  if (!r.ok) return r.forced ? { result: 'fail' } : { result: 'defer', message: r.message };
  const truth = truthOf(r.value);
  if (truth === true) return { result: 'ok' };
  if (truth === false) return { result: 'fail' };
  return { result: 'defer', userMessage: r.value };
}

/** Add the expanded server_set_id to a finished outcome (an expansion failure leaves it out). */
export async function withSetId(outcome: AuthOutcome, setIdOption: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
  if (setIdOption === undefined) return outcome;
  const r = await tryExpand(setIdOption, ctx);
  if (!r.ok) return outcome;
  return { ...outcome, setId: r.value, setIdTainted: r.tainted };
}

/** server_advertise_condition: unset advertises; false values and failures do not. */
export async function checkAdvertise(
  condition: string | undefined,
  instanceName: string,
  ctx: ExpandContext,
  log?: (text: string) => void,
): Promise<boolean> {
  if (condition === undefined) return true;
  const r = await tryExpand(condition, ctx);
  if (!r.ok) {
    // Exim logs a failure that was neither forced nor a lookup defer.
    if (!r.forced && log && !/\bdefer/i.test(r.message)) {
      log(`failed to expand condition "${condition}" for ${instanceName} authenticator: ${r.message}`);
    }
    return false;
  }
  return truthOf(r.value) !== false;
}

/** The generic options every server authenticator reads. */
export interface GenericServerOptions {
  driverName: string;
  instanceName: string;
  publicName: string;
  serverCondition: string | undefined;
  advertiseCondition: string | undefined;
  setId: string | undefined;
  mailAuthCondition: string | undefined;
}

export function genericServerOptions(inst: DriverInstance): GenericServerOptions {
  return {
    driverName: inst.driver,
    instanceName: inst.name,
    // Exim advertises the public name (default: the instance name) in upper case.
    publicName: (driverOption(inst, 'public_name') ?? inst.name).toUpperCase(),
    serverCondition: driverOption(inst, 'server_condition'),
    advertiseCondition: driverOption(inst, 'server_advertise_condition'),
    setId: driverOption(inst, 'server_set_id'),
    mailAuthCondition: driverOption(inst, 'server_mail_auth_condition'),
  };
}

/** Send "334 <text in base64>" and read the answer: its bytes, or how the exchange ends (cancelled, bad base64). */
export async function askClient(io: AuthIo, text: string): Promise<Buffer | AuthOutcome> {
  const reply = await io.challenge(encodeAuthBase64(text));
  if (reply === null) return { result: 'cancelled' };
  return decodeAuthBase64(reply) ?? { result: 'bad64' };
}

/** What every driver's server holds: its names, generic options and advertising rule; the driver adds serve(). */
export abstract class GenericServer implements ServerAuthenticator {
  readonly driverName: string;
  readonly instanceName: string;
  readonly publicName: string;
  abstract readonly implemented: boolean;
  readonly mailAuthCondition: string | undefined;
  protected readonly generic: GenericServerOptions;

  constructor(inst: DriverInstance) {
    this.generic = genericServerOptions(inst);
    this.driverName = this.generic.driverName;
    this.instanceName = this.generic.instanceName;
    this.publicName = this.generic.publicName;
    this.mailAuthCondition = this.generic.mailAuthCondition;
  }

  advertise(ctx: ExpandContext, log?: (text: string) => void): Promise<boolean> {
    return checkAdvertise(this.generic.advertiseCondition, this.instanceName, ctx, log);
  }

  abstract serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome>;
}
