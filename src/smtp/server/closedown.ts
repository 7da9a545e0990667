// After a failure Exim treats as fatal (src/log/panic-die.ts), the session
// does what Exim's smtp_closedown does: 421 "Unexpected failure, please try
// later", the same to every later command except RSET (250 Reset OK) and
// QUIT (221), until the client quits or goes away.

import type { SmtpSession } from './session.ts';
import { closing, REPLY } from './replies.ts';

export const UNEXPECTED_FAILURE = '421 Unexpected failure, please try later';

/** Commands answered before giving up on a client that never quits. */
const MAX_COMMANDS = 1000;

export async function closeDown(s: SmtpSession): Promise<void> {
  s.send(UNEXPECTED_FAILURE);
  for (let i = 0; i < MAX_COMMANDS; i++) {
    let cmd;
    try {
      cmd = await s.readCommand();
    } catch {
      return; // a timeout or a broken connection: nothing more to say
    }
    if (cmd === null) return;
    const verb = /^[A-Za-z]+/.exec(cmd.text)?.[0].toUpperCase();
    if (verb === 'QUIT') {
      s.send(closing(s.hostname));
      return;
    }
    s.send(verb === 'RSET' ? REPLY.resetOk : UNEXPECTED_FAILURE);
  }
}
