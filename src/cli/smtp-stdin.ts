// -bs: an SMTP session on stdin/stdout for a local caller (no host
// address; $received_protocol local-smtp / local-esmtp; the MAIL sender is
// believed only from a trusted caller). As in Exim, -oMa (and -oMi) make
// the session look as if it came from that host: host checks, the remote
// fix-ups and protocol names apply, while the caller stays the ident.

import { loadConfigForMode } from './load-config.ts';
import net from 'node:net';
import type { CliOptions } from './args.ts';
import { loggerFromConfig } from '../log/index.ts';
import { localCaller } from '../receive/caller.ts';
import { runSmtpSession, sessionServices, type ConnectionInfo } from '../smtp/server/index.ts';

/** "-oMa 10.1.2.3.25" / "::1.25": an address with an optional ".port" suffix. */
export function addressAndPort(text: string): { address: string; port: number } {
  if (net.isIP(text)) return { address: text, port: 0 };
  const dot = text.lastIndexOf('.');
  if (dot > 0 && /^\d+$/.test(text.slice(dot + 1)) && net.isIP(text.slice(0, dot))) {
    return { address: text.slice(0, dot), port: Number(text.slice(dot + 1)) };
  }
  throw new Error(`-oM: "${text}" is not an IP address (with optional .port)`);
}

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfigForMode(opts);
  if (!config) return 1;
  const logger = loggerFromConfig(config);
  const caller = localCaller(config);
  const services = await sessionServices(config, logger);
  const conn: ConnectionInfo = {
    kind: 'local', caller: { login: caller.login, uid: caller.uid, gid: caller.gid, trusted: caller.trusted }, ident: opts.oM.get('t'),
  };
  const remote = opts.oM.get('a');
  if (remote !== undefined) {
    const r = addressAndPort(remote);
    conn.remoteAddress = r.address;
    conn.remotePort = r.port;
    conn.ident ??= caller.login;
    conn.addressesFromCommandLine = true;
    const iface = opts.oM.get('i');
    if (iface !== undefined) {
      const i = addressAndPort(iface);
      conn.localAddress = i.address;
      conn.localPort = i.port;
    }
  }
  await runSmtpSession(
    { input: process.stdin, output: process.stdout, close: () => process.stdin.pause() },
    conn,
    { config, ...services },
  );
  await logger.flush();
  return 0;
}
