// Messages between the daemon's primary process and its workers (over the
// child_process IPC channel; a connection's socket travels as the handle of
// a 'conn' message).

/** What the primary knows about a connection when it hands it over. */
export interface HandedConnection {
  /** The primary's number for this connection: the worker reports its end with it. */
  id: number;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** The port is in tls_on_connect_ports. */
  tlsOnConnect: boolean;
  /** Connections in progress, this one included ("TCP/IP connection count = n"). */
  connectionCount: number;
  /** smtp_accept_queue was exceeded when this connection arrived. */
  queueOnly: boolean;
}

export type ToWorker =
  | { t: 'conn'; conn: HandedConnection }
  /** Finish the sessions in progress, then exit (configuration reload). */
  | { t: 'drain' }
  /** Shut down: sessions get `graceMs` to finish, then are closed. */
  | { t: 'stop'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'end'; id: number }
  /** The worker cannot run (bad configuration, missing module): it exits after this. */
  | { t: 'fatal'; message: string };

/** What a detached daemon tells the process that started it. */
export type ToLauncher = { t: 'listening'; pid: number } | { t: 'failed'; message: string };

/** Environment variable that tells a re-invoked tern which daemon role to play. */
export const ROLE_ENV = 'TERN_DAEMON_ROLE';
export type DaemonRole = 'worker' | 'detached';
