// -bh IP [port]: a host-checking session. SMTP replies go to stdout; the
// ACL trace, "****" notices and would-be log lines ("LOG: ...") go to
// stderr, as Exim prints them. Nothing is queued or delivered.

import { loadConfigForMode } from './load-config.ts';
import { addressAndPort } from './smtp-stdin.ts';
import { encodeBytes, isAscii } from '../expand/operators/bytes.ts';
import type { CliOptions } from './args.ts';
import { selectorFromConfig } from '../log/index.ts';
import { localCaller } from '../receive/caller.ts';
import { runSmtpSession, sessionServices, type SessionLogger } from '../smtp/server/index.ts';

/** A logger that prints what would be logged, each entry once, prefixed "LOG: ". */
function hostCheckLogger(selector: SessionLogger['selector'], write: (s: string) => void): SessionLogger {
  const line = (text: string, id?: string): void => write(`LOG: ${id ? id + ' ' : ''}${text}\n`);
  return {
    selector,
    main: (text, o) => line(text, o?.id),
    reject: (text, o) => line(text, o?.id),
    panic: (text, o) => line(text, o?.id),
  };
}

// Exim's debug prefix starts every line: a multi-line expansion result is traced as several ">>> " lines.
export async function main(opts: CliOptions): Promise<number> {
  // "-bh 10.0.0.1.1234": the address may carry the client's port after a dot
  let address: string;
  let port: number;
  try {
    ({ address, port } = addressAndPort(opts.hostCheckAddress ?? ''));
  } catch {
    process.stderr.write(`exim abandoned: "${opts.hostCheckAddress ?? ''}" is not an IP address\n`);
    return 1;
  }
  if (port === 0 && opts.args[0] !== undefined && /^\d+$/.test(opts.args[0])) port = Number(opts.args[0]);
  const config = loadConfigForMode(opts, 'host-check');
  if (!config) return 1;
  // text to bytes as the log files get them (raw bytes kept as U+DC80..U+DCFF come out as themselves)
  const write = (s: string): void => { process.stderr.write(isAscii(s) ? s : encodeBytes(s)); };
  const logger = hostCheckLogger(selectorFromConfig(config), write);
  const caller = localCaller(config);
  const base = await sessionServices(config, logger as never);
  const summary = await runSmtpSession(
    { input: process.stdin, output: process.stdout },
    {
      kind: 'host-check', remoteAddress: address, remotePort: port,
      localAddress: opts.oM.get('i') ?? '127.0.0.1', localPort: 25,
      caller: { login: caller.login, uid: caller.uid, gid: caller.gid, trusted: caller.trusted },
    },
    {
      ...base, config, logger, hostCheckCallouts: opts.modeFlag === '-bhc',
      trace: (l) => write(l.split('\n').map((x) => `>>> ${x}\n`).join('')),
    },
  );
  // a failure Exim dies of ends -bh with its exit code
  return summary.fatal ? 1 : 0;
}
