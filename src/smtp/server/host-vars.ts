// $sender_fullhost and $sender_rcvhost follow what the session knows of the
// client (address, HELO name, verified host name, ident): refreshed before
// each ACL and the banner, so that ACLs see them as Exim's do.

import { senderFullhost } from '../../log/host.ts';
import { senderRcvhost } from '../../receive/received.ts';
import { setVar } from './context.ts';
import type { SmtpSession } from './session.ts';

export function refreshHostVars(s: SmtpSession): void {
  const p = s.peer();
  if (p.address === undefined || s.isLocal) return;
  const full = senderFullhost(p, s.logger.selector as never);
  const rcv = senderRcvhost({ host: { address: p.address, port: p.port ?? 0, helo: p.heloName, ident: p.ident, name: p.name }, helo: p.heloName } as never);
  if (full !== undefined) setVar(s.ctx, 'sender_fullhost', full, true);
  if (rcv !== undefined) setVar(s.ctx, 'sender_rcvhost', rcv, true);
}
