// An in-process SMTP listener for the server's socket tests: a loopback
// net.Server that runs runSmtpSession for each connection with a real
// configuration file, a temporary spool, the real logger and the services
// the daemon would give (sessionServices). Tests read the log files and the
// spool from `dir`.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import { loggerFromConfig } from '../../../src/log/index.ts';
import { runSmtpSession, sessionServices } from '../../../src/smtp/server/index.ts';

export interface SessionServer {
  port: number;
  dir: string;
  /** Sessions still running. */
  active(): number;
  /** Resolves when every session so far has ended. */
  idle(): Promise<void>;
  mainlog(): string;
  rejectlog(): string;
  /** Files in the spool's input directory. */
  inputFiles(): string[];
  close(): Promise<void>;
}

export const BASE_CONFIG = `
exim_user = root
exim_group = root
primary_hostname = test.example
qualify_domain = test.example
queue_only
keep_environment =
acl_smtp_rcpt = accept
`;

/** Start a listener; `config` is added to BASE_CONFIG (main section), `tail` after it (other sections). */
export async function startSessionServer(config: string, opts: { tlsOnConnect?: boolean; tail?: string; base?: string } = {}): Promise<SessionServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-smtpd-'));
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `spool_directory = ${dir}\nlog_file_path = ${dir}/log/%slog\n${opts.base ?? BASE_CONFIG}\n${config}\n${opts.tail ?? ''}\n`);
  const cfg = loadConfig(file);
  const logger = loggerFromConfig(cfg);
  const services = { ...await sessionServices(cfg, logger), config: cfg };
  const running = new Set<Promise<unknown>>();
  let nextId = 1;
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    const p = runSmtpSession(
      { input: sock, output: sock, socket: sock, close: () => sock.destroySoon() },
      {
        kind: 'tcp', remoteAddress: sock.remoteAddress ?? '127.0.0.1', remotePort: sock.remotePort, localAddress: sock.localAddress,
        localPort: sock.localPort, connectionId: nextId++, connectionCount: running.size + 1, tlsOnConnect: opts.tlsOnConnect,
        caller: { login: 'root', uid: 0, gid: 0, trusted: true },
      },
      services,
    ).finally(() => running.delete(p));
    running.add(p);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(dir, 'log', name), 'latin1');
    } catch {
      return '';
    }
  };
  return {
    port,
    dir,
    active: () => running.size,
    idle: async () => { while (running.size) await Promise.allSettled([...running]); },
    mainlog: () => read('mainlog'),
    rejectlog: () => read('rejectlog'),
    inputFiles: () => {
      try {
        return fs.readdirSync(path.join(dir, 'input')).sort();
      } catch {
        return [];
      }
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
      await logger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wait until cond() holds (polling), or fail after ms. */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
