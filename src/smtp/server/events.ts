// Reception events fired by the SMTP session (src/events): the session's
// configuration and expansion context, failures of event_action to the panic log.

import { installAclHook } from '../../acl/index.ts';
import { optionString } from '../../config/index.ts';
import { raiseEvent, raiseEventSync, type ReceptionEvent } from '../../events/raise.ts';
import { aclContextFor } from './acl-phase.ts';
import type { SmtpSession } from './session.ts';

export function sessionEvent(s: SmtpSession, name: ReceptionEvent, data: string): Promise<string | undefined> {
  return raiseEvent({
    config: s.config, ctx: s.ctx, panic: (line) => s.logger.panic(line),
    // ${acl {...}} in event_action (the spec's way to logwrite from an event)
    prepare: () => installAclHook(aclContextFor(s, {})),
  }, name, data);
}

/** dns:fail from this session's DNS lookups (src/dns/fail-event.ts), when event_action is set. */
export function installDnsFailEvent(s: SmtpSession): void {
  if (!optionString(s.config, 'event_action')) return;
  s.ctx.hooks.dnsFail = (data) => {
    raiseEventSync({
      config: s.config, ctx: s.ctx, panic: (line) => s.logger.panic(line),
      // an ACL the event runs traces three levels in, as Exim's (-bh)
      prepare: () => installAclHook(aclContextFor(s, {}), 'expansion', 3),
    }, 'dns:fail', data);
  };
}
