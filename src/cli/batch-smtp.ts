// -bS: batched SMTP on stdin. No replies except for errors; HELO/EHLO act
// as RSET, VRFY/EXPN/ETRN/ATRN/HELP as NOOP, QUIT quits, and only
// acl_not_smtp is run. The first error stops the batch with Exim's
// stylised report on stdout and a longer one on stderr; the exit code is
// 0 (no errors), 1 (some messages accepted first) or 2 (none).

import { loadConfigForMode } from './load-config.ts';
import type { CliOptions } from './args.ts';
import { loggerFromConfig } from '../log/index.ts';
import { localCaller } from '../receive/caller.ts';
import { batchStderr, batchStdout } from '../smtp/server/batch.ts';
import { runSmtpSession, sessionServices } from '../smtp/server/index.ts';

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfigForMode(opts);
  if (!config) return 1;
  const logger = loggerFromConfig(config);
  const caller = localCaller(config);
  const services = await sessionServices(config, logger);
  const result = await runSmtpSession(
    { input: process.stdin, output: process.stdout, close: () => process.stdin.pause() },
    { kind: 'batch', caller: { login: caller.login, uid: caller.uid, gid: caller.gid, trusted: caller.trusted }, ident: opts.oM.get('t') },
    { config, ...services },
  );
  await logger.flush();
  const err = result.batchError;
  if (!err) return 0;
  await new Promise<void>((resolve) => process.stdout.write(batchStdout(err), () => resolve()));
  process.stderr.write(batchStderr(err, result.messagesReceived));
  return result.messagesReceived > 0 ? 1 : 2;
}
