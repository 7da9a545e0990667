// Server authenticators from the configuration's `begin authenticators`.
//
//   loadAuthenticators(config)   the instances with a server side, in
//                                configuration order (the EHLO order)
//   findMechanism(list, name)    the authenticator for an AUTH mechanism
//   mailAuthAllowed(...)         server_mail_auth_condition for AUTH= on MAIL
//   authReply / AUTH_REPLY ...   Exim's reply and log texts (replies.ts)

import type { Config, DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { truthOf, tryExpand } from './common.ts';
import { CramMd5Server } from './cram-md5.ts';
import { DovecotServer } from './dovecot.ts';
import { ExternalServer } from './external.ts';
import { PlaintextServer } from './plaintext.ts';
import { SpaServer } from './spa.ts';
import { TlsServer } from './tls.ts';
import type { ServerAuthenticator } from './types.ts';
import { UNIMPLEMENTED_DRIVERS, UnimplementedServer } from './unimplemented.ts';

export type { AuthIo, AuthOutcome, AuthResult, ServerAuthenticator } from './types.ts';
export { AUTH_REPLY, authReply, authReplyCode, authFailureLogText, unsupportedMechanismReply } from './replies.ts';
export { decodeAuthBase64, encodeAuthBase64, splitAtNuls } from './base64.ts';
export { cramDigest } from './cram-md5.ts';
export { TlsServer } from './tls.ts';

function serverFor(inst: DriverInstance, config: Config): ServerAuthenticator | undefined {
  switch (inst.driver) {
    case 'plaintext': return PlaintextServer.isServer(inst) ? new PlaintextServer(inst) : undefined;
    case 'cram_md5': return CramMd5Server.isServer(inst) ? new CramMd5Server(inst, config) : undefined;
    case 'dovecot': return DovecotServer.isServer(inst) ? new DovecotServer(inst) : undefined;
    case 'external': return ExternalServer.isServer(inst) ? new ExternalServer(inst) : undefined;
    case 'spa': return SpaServer.isServer(inst) ? new SpaServer(inst) : undefined;
    case 'tls': return TlsServer.isServer(inst) ? new TlsServer(inst) : undefined;
  }
  if (UNIMPLEMENTED_DRIVERS.has(inst.driver)) return UnimplementedServer.isServer(inst) ? new UnimplementedServer(inst) : undefined;
  // The configuration reader rejects unknown drivers; this is a guard.
  throw new Error(`authenticator driver ${inst.driver} is unknown`);
}

/** The authenticators configured as servers, in configuration order. */
export function loadAuthenticators(config: Config): ServerAuthenticator[] {
  const out: ServerAuthenticator[] = [];
  for (const inst of config.authenticators) {
    const a = serverFor(inst, config);
    if (a) out.push(a);
  }
  return out;
}

/**
 * The authenticator for the mechanism named on an AUTH command, among those
 * that were advertised (Exim compares public names caselessly; the first wins).
 */
export function findMechanism(advertised: readonly ServerAuthenticator[], mechanism: string): ServerAuthenticator | undefined {
  const want = mechanism.toUpperCase();
  return advertised.find((a) => a.publicName === want);
}

/**
 * After AUTH= on MAIL was accepted from an authenticated client: does the
 * authenticator's server_mail_auth_condition let $authenticated_sender stay?
 * Unset: yes. Expansion failure, empty, "0", "no" or "false": no.
 */
export async function mailAuthAllowed(auth: ServerAuthenticator, ctx: ExpandContext): Promise<boolean> {
  if (auth.mailAuthCondition === undefined) return true;
  const r = await tryExpand(auth.mailAuthCondition, ctx);
  return r.ok && truthOf(r.value) !== false;
}

/**
 * Record a finished AUTH in the session's variables: on success
 * $authenticated_id and $sender_host_authenticated (the instance name);
 * on failure $authenticated_fail_id.
 */
export function recordAuthOutcome(ctx: ExpandContext, auth: ServerAuthenticator, outcome: { result: string; setId?: string; setIdTainted?: boolean }): void {
  const id = { value: outcome.setId ?? '', tainted: outcome.setIdTainted ?? false };
  if (outcome.result === 'ok') {
    ctx.vars.set('authenticated_id', id);
    ctx.vars.set('sender_host_authenticated', { value: auth.instanceName, tainted: false });
    ctx.vars.delete('authenticated_fail_id');
  } else if (outcome.setId !== undefined) {
    ctx.vars.set('authenticated_fail_id', id);
  }
}
