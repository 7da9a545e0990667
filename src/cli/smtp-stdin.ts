// -bs: an SMTP session on stdin/stdout for a local caller (no host
// address; $received_protocol local-smtp / local-esmtp; the MAIL sender is
// believed only from a trusted caller).

import type { CliOptions } from './args.ts';
import { findConfigFile, loadConfig } from '../config/index.ts';
import { loggerFromConfig } from '../log/index.ts';
import { localCaller } from '../receive/caller.ts';
import { runSmtpSession, sessionServices } from '../smtp/server/index.ts';

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfig(findConfigFile(opts), opts.macros);
  const logger = loggerFromConfig(config);
  const caller = localCaller(config);
  const services = await sessionServices(config, logger);
  await runSmtpSession(
    { input: process.stdin, output: process.stdout, close: () => process.stdin.pause() },
    { kind: 'local', caller: { login: caller.login, uid: caller.uid, gid: caller.gid, trusted: caller.trusted }, ident: opts.oM.get('t') },
    { config, ...services },
  );
  await logger.flush();
  return 0;
}
