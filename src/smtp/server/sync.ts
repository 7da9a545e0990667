// Exim's check, at points where the client had to wait for our answer,
// that it did not send more: a "554 SMTP synchronization error", the
// reject-log line with what came too soon, and the end of the session.

import { formatSyncError } from '../../log/index.ts';
import { textToByteString } from '../../expand/operators/bytes.ts';
import { bytesToText } from './log-text.ts';
import { optBool } from './options.ts';
import { REPLY } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

// Besides the check as each command is read (server.ts), Exim checks again
// after the ACLs that may take a while: HELO/EHLO (unless PIPECONNECT is
// acceptable), MAIL and RCPT (unless PIPELINING was advertised), and the
// predata ACL.

/** More input is waiting where the client should have waited (socket sessions that enforce sync only). */
export function sentTooSoon(s: SmtpSession): boolean {
  if (!s.checksSync || !s.input.pendingInput()) return false;
  return s.aclConn.controls.enforceSync ?? optBool(s.config, 'smtp_enforce_sync');
}

/** Refuse the command `line` (by default the one being handled) for input sent too soon; ends the session. */
export function refuseTooSoon(s: SmtpSession, line = textToByteString(s.ctx.vars.get('smtp_command')?.value ?? '')): never {
  const next = s.input.peekBuffered(150).toString('latin1');
  s.send(REPLY.syncError);
  s.logger.reject(formatSyncError(s.peer(), s.logger.selector as never, bytesToText(line), bytesToText(next), s.advertised.pipelining));
  throw new SessionEnd('other');
}
