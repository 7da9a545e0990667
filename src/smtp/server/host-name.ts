// The client's host name, looked up when Exim looks it up outside ACLs: at
// connection for hosts in host_lookup, and after a HELO whose name is in
// helo_lookup_domains (a client calling itself "localhost" or our own name
// is checked against what its address says). The answer goes where an ACL's
// lookup would put it: the connection's host and $sender_host_name, or
// $host_lookup_failed / $host_lookup_deferred.

import { hostNameLookup, noHostNameLogLine } from '../../acl/host-lookup.ts';
import { runSuspendable } from '../../util/suspend.ts';
import { listTracer } from '../../lists/index.ts';
import { setVar } from './context.ts';
import type { SmtpSession } from './session.ts';

export async function lookUpClientName(s: SmtpSession): Promise<void> {
  const host = s.aclConn.host;
  if (!host?.address || host.name || host.nameLookupFailed) return;
  // through the list tracer, whose lines a replay after a DNS wait does not repeat
  const trace = s.services.trace ? { write: (line: string) => listTracer(s.ctx)?.write(line), level: 0 } : undefined;
  const r = await runSuspendable(s.ctx.memo, () => hostNameLookup(s.ctx, host, trace));
  const noName = noHostNameLogLine(r, host.address);
  if (noName) s.logger.main(noName);
  if (r.rc === 'ok' && host.name) setVar(s.ctx, 'sender_host_name', host.name, true);
  else if (r.rc === 'fail') setVar(s.ctx, 'host_lookup_failed', '1');
  else if (r.rc === 'defer') setVar(s.ctx, 'host_lookup_deferred', '1');
}
