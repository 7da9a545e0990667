// The services a session needs, built once per configuration: the ACL
// engine (src/acl), message reception (src/receive) and the server
// authenticators (src/auth). The daemon calls sessionServices(); -bs, -bS
// and -bh do the same.

import { loadAuthenticators } from '../../auth/index.ts';
import type { Config } from '../../config/types.ts';
import type { Logger } from '../../log/index.ts';
import { buildMessage, commitMessage } from '../../receive/index.ts';
import { makeTlsServer } from '../../tls/index.ts';
import { sessionExpandContext } from './context.ts';
import type { AclRunner, Receiver, SessionLogger, SmtpServices } from './types.ts';

/** The ACL engine's runAcl (a literal import path, so the esbuild bundle includes it). */
async function loadAclRunner(): Promise<AclRunner | undefined> {
  const mod = (await import('../../acl/index.ts')) as { runAcl?: AclRunner };
  return typeof mod.runAcl === 'function' ? mod.runAcl : undefined;
}

export function receiverFor(config: Config, logger: Logger): Receiver {
  return {
    build: (raw, envelope, origin, cfg, ectx) => buildMessage(raw, envelope, origin, cfg, ectx, {
      rewriteLog: (line, id, log) => log === 'panic' ? logger.panic(line, { id }) : logger.main(line, { id }),
    }),
    commit: (message, body, extra) => commitMessage(message, body, { config, logger }, {
      chunking: extra.chunking, body8bitmime: extra.body8bitmime, pipelining: extra.pipelining, fakeReject: extra.fakeReject, prdr: extra.prdr, dkim: extra.dkim, arc: extra.arc,
      proxyLocalAddress: extra.proxyLocalAddress,
    }),
  };
}

export async function sessionServices(config: Config, logger: Logger): Promise<Omit<SmtpServices, 'config' | 'logger'> & { logger: SessionLogger }> {
  return {
    logger,
    acl: await loadAclRunner(),
    receiver: receiverFor(config, logger),
    authenticators: loadAuthenticators(config),
    tls: makeTlsServer(config, sessionExpandContext(config)),
  };
}
