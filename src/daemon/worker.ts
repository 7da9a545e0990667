// A daemon worker: a child process of the primary that runs SMTP sessions
// for the connections the primary hands it, each on the worker's own event
// loop. It reads the configuration itself (the primary has checked that it
// loads), tells the primary when it is ready and when each session ends, and
// exits once drained (configuration reload), stopped (SIGTERM of the daemon)
// or orphaned (the primary is gone: it finishes its sessions first).

import os from 'node:os';
import type net from 'node:net';
import type { CliOptions } from '../cli/args.ts';
import { findConfigFile, loadConfig, type Config } from '../config/index.ts';
import { loggerFromConfig, type Logger } from '../log/index.ts';
import type { FromWorker, HandedConnection, ToWorker } from './protocol.ts';
import { loadSessionRunner, type DaemonConnection, type SessionRunner } from './session.ts';

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function callerIdentity(): DaemonConnection['caller'] {
  let login = 'exim';
  try {
    login = os.userInfo().username;
  } catch {
    // a uid without a passwd entry keeps the placeholder name
  }
  return { login, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, trusted: true };
}

class Worker {
  private readonly sessions = new Set<net.Socket>();
  private draining = false;
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly run: SessionRunner;
  private readonly caller = callerIdentity();
  private readonly done: () => void;

  constructor(config: Config, logger: Logger, run: SessionRunner, done: () => void) {
    this.config = config;
    this.logger = logger;
    this.run = run;
    this.done = done;
  }

  onMessage(m: ToWorker, handle: unknown): void {
    switch (m.t) {
      case 'conn':
        this.startSession(m.conn, handle as net.Socket | undefined);
        break;
      case 'drain':
        this.drain();
        break;
      case 'stop':
        this.drain();
        // Sessions still running after the grace period are cut off.
        setTimeout(() => {
          for (const s of this.sessions) s.destroy();
        }, m.graceMs).unref();
        break;
    }
  }

  drain(): void {
    this.draining = true;
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.draining && this.sessions.size === 0) this.done();
  }

  private startSession(h: HandedConnection, socket: net.Socket | undefined): void {
    if (!socket) {
      // The client went away while the socket was in transit.
      send({ t: 'end', id: h.id });
      return;
    }
    this.sessions.add(socket);
    socket.setNoDelay(true);
    // A client that resets the connection must not take the worker down.
    socket.on('error', () => {});
    const conn: DaemonConnection = {
      kind: 'tcp',
      remoteAddress: h.remoteAddress,
      remotePort: h.remotePort,
      localAddress: h.localAddress,
      localPort: h.localPort,
      connectionId: h.id,
      connectionCount: h.connectionCount,
      tlsOnConnect: h.tlsOnConnect,
      queueOnly: h.queueOnly,
      caller: this.caller,
    };
    const io = { input: socket, output: socket, socket, close: () => socket.destroySoon() };
    this.run(io, conn, this.config, this.logger)
      .catch((e: unknown) => {
        this.logger.panic(`SMTP session with [${h.remoteAddress}]:${h.remotePort} failed: ${errorText(e)}`);
      })
      .finally(() => {
        if (!socket.destroyed) socket.destroySoon();
        this.sessions.delete(socket);
        send({ t: 'end', id: h.id });
        this.maybeDone();
      });
  }
}

/** The worker's main: returns the exit code once it has nothing more to do. */
export async function runWorker(opts: CliOptions): Promise<number> {
  if (!process.send) {
    process.stderr.write('tern: the daemon worker role needs an IPC channel to the primary\n');
    return 1;
  }
  let config: Config;
  let logger: Logger;
  let run: SessionRunner;
  try {
    config = loadConfig(findConfigFile(opts), opts.macros);
    logger = loggerFromConfig(config, { stderr: null });
    run = await loadSessionRunner();
  } catch (e) {
    send({ t: 'fatal', message: errorText(e) });
    return 1;
  }
  await new Promise<void>((resolve) => {
    const worker = new Worker(config, logger, run, resolve);
    process.on('message', (m: ToWorker, handle: unknown) => worker.onMessage(m, handle));
    // The primary is gone (killed, crashed): finish what we have, then go.
    process.on('disconnect', () => worker.drain());
    // Ctrl-C and a terminal hang-up reach the whole process group: the
    // primary decides what workers do about them. SIGTERM sent to a worker
    // alone lets its sessions finish first.
    process.on('SIGINT', () => {});
    process.on('SIGHUP', () => {});
    process.on('SIGTERM', () => worker.drain());
    send({ t: 'ready' });
  });
  await logger.flush();
  return 0;
}
