// What a worker runs for each connection: the SMTP server's runSmtpSession
// with the services it needs (sessionServices, built once per configuration). TERN_DAEMON_SESSION_MODULE names another
// module exporting `runSmtpSession` with the same signature; the daemon's
// own tests use it to exercise the process machinery with a tiny session.

import type net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/index.ts';

export interface DaemonSessionIo {
  input: Readable;
  output: Writable;
  socket: net.Socket;
  close(): void;
}

/** What the daemon knows about a connection, in the shape the SMTP server reads. */
export interface DaemonConnection {
  kind: 'tcp';
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  connectionId: number;
  connectionCount: number;
  tlsOnConnect: boolean;
  queueOnly: boolean;
  caller: { login: string; uid: number; gid: number; trusted: boolean };
}

export type SessionRunner = (io: DaemonSessionIo, conn: DaemonConnection, config: Config, logger: Logger) => Promise<void>;

type SessionModule = {
  runSmtpSession(io: DaemonSessionIo, conn: DaemonConnection, services: Record<string, unknown>): Promise<void>;
  /** The services a session needs (ACL engine, receiver, authenticators), when the server module provides them. */
  sessionServices?(config: Config, logger: Logger): Record<string, unknown> | Promise<Record<string, unknown>>;
};

export const SESSION_MODULE_ENV = 'TERN_DAEMON_SESSION_MODULE';

async function importSessionModule(): Promise<SessionModule> {
  const override = process.env[SESSION_MODULE_ENV];
  if (override) return (await import(override)) as SessionModule;
  return (await import('../smtp/server/index.ts')) as unknown as SessionModule;
}

/** Load the session code once per worker; services are built per configuration. */
export async function loadSessionRunner(): Promise<SessionRunner> {
  const mod = await importSessionModule();
  if (typeof mod.runSmtpSession !== 'function') throw new Error('the SMTP server module does not export runSmtpSession');
  let cached: { config: Config; services: Record<string, unknown> } | undefined;
  return async (io, conn, config, logger) => {
    if (cached?.config !== config) {
      const extra = mod.sessionServices ? await mod.sessionServices(config, logger) : {};
      cached = { config, services: { ...extra, config, logger } };
    }
    await mod.runSmtpSession(io, conn, cached.services);
  };
}
