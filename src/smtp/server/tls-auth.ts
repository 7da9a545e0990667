// The tls authenticator's turn: once each time TLS starts, before the next
// command is read, when the client's certificate was verified. As Exim, the
// AUTH ACL is asked first (a refusal is answered as for AUTH), and nothing
// is said to the client about the authenticator's own outcome.

import { recordAuthOutcome, TlsServer } from '../../auth/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

export async function runTlsAuthenticator(s: SmtpSession): Promise<void> {
  s.tlsAuthDue = false;
  const info = s.tlsInfo;
  if (!s.tlsActive || !info?.certificateVerified || !info.peerCert) return;
  const auth = s.services.authenticators?.find((a) => a instanceof TlsServer);
  if (!(auth instanceof TlsServer)) return;
  const acl = await runPhaseAcl(s, 'auth', { commandData: '' });
  if (acl.verdict !== 'accept') {
    s.sendLines(acl.lines);
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  const outcome = await auth.authenticate(s.ctx);
  recordAuthOutcome(s.ctx, auth, outcome);
  if (outcome.result !== 'ok') return;
  s.authenticatedBy = auth;
  s.authenticatedId = outcome.setId;
  s.authenticatedIdTainted = outcome.setIdTainted ?? false;
  s.aclConn.authenticatedBy = auth.instanceName;
  setVar(s.ctx, 'received_protocol', s.protocolName());
}
