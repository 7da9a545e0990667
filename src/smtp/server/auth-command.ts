// AUTH: choosing the mechanism, the AUTH ACL, running the authenticator's
// exchange (src/auth) and Exim's replies and log lines.

import { sessionEvent } from './events.ts';
import { AUTH_REPLY, authFailureLogText, authReply, findMechanism, recordAuthOutcome, unsupportedMechanismReply } from '../../auth/index.ts';
import { hostAndIdent } from '../../log/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countProtocolError } from './errors.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

export async function authCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  // control = allow_auth_unadvertised: AUTH is taken even when not offered (also after HELO)
  const unadvertised = s.aclConn.controls.allowAuthUnadvertised === true;
  if (s.advertised.auth.length === 0 && !unadvertised) {
    s.send(AUTH_REPLY.notAdvertised);
    await countProtocolError(s, line, 'AUTH command used when not advertised');
    return;
  }
  if (s.authenticatedBy) {
    s.send(AUTH_REPLY.alreadyAuthenticated);
    await countProtocolError(s, line, 'AUTH command used when already authenticated');
    return;
  }
  if (s.sender !== undefined) {
    s.send(AUTH_REPLY.inTransaction);
    await countProtocolError(s, line, 'AUTH command used in a mail transaction');
    return;
  }
  const [mech = '', initial] = arg.split(/[ \t]+/);
  setVar(s.ctx, 'smtp_command_argument', arg, true);
  const acl = await runPhaseAcl(s, 'auth', { commandData: arg });
  if (acl.verdict !== 'accept') {
    s.sendLines(acl.lines);
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  const auth = findMechanism(s.advertised.auth, mech) ?? (unadvertised ? findMechanism(s.services.authenticators ?? [], mech) : undefined);
  if (!auth) {
    s.send(unsupportedMechanismReply(mech));
    await countProtocolError(s, line, `${mech} authentication mechanism not supported`);
    return;
  }
  const outcome = await auth.serve({
    challenge: async (b64: string) => {
      s.send(`334 ${b64}`);
      s.flush();
      const reply = await s.input.readLine(s.receiveTimeoutMs);
      if (reply === null) throw new SessionEnd('lost');
      return reply.text === '*' ? null : reply.text;
    },
  }, initial, s.ctx);
  recordAuthOutcome(s.ctx, auth, outcome);
  if (outcome.result === 'ok') {
    s.authenticatedBy = auth;
    s.authenticatedId = outcome.setId;
    s.authenticatedIdTainted = outcome.setIdTainted ?? false;
    s.aclConn.authenticatedBy = auth.instanceName;
    setVar(s.ctx, 'received_protocol', s.protocolName());
    s.send(authReply(outcome));
    return;
  }
  setVar(s.ctx, 'authentication_failed', '1');
  const who = s.isLocal ? s.peer().ident ?? 'unknown' : hostAndIdent(s.peer(), s.logger.selector as never, false);
  const reply = authReply(outcome);
  // auth:fail: a non-empty event_action result is the line to log instead of Exim's
  const instead = await sessionEvent(s, 'auth:fail', reply);
  s.logger.reject(instead ?? authFailureLogText(auth.instanceName, who, outcome));
  s.send(reply);
}
