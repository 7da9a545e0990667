// Starting a real `bin/tern -bdf` (or -bd) for a test: a temporary directory
// with configuration, spool and logs, a free loopback port, and clean-up
// that kills whatever was started.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '../..');
export const tern = path.join(repo, 'bin', 'tern');
export const lineSession = path.join(import.meta.dirname, 'fixtures', 'line-session.ts');

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tern-daemon-'));
}

export interface DaemonEnv {
  dir: string;
  port: number;
  config: string;
  env: NodeJS.ProcessEnv;
}

/** A directory with a configuration listening on 127.0.0.1 and ::1 at a free port. */
export async function daemonEnv(extraConfig = '', opts: { workers?: number; session?: 'stand-in' | 'real' } = {}): Promise<DaemonEnv> {
  const dir = tempDir();
  const port = await freePort();
  const config = path.join(dir, 'configure');
  fs.writeFileSync(config, [
    `spool_directory = ${dir}/spool`,
    `log_file_path = ${dir}/log/%slog`,
    `pid_file_path = ${dir}/run/daemon.pid`,
    'local_interfaces = <; 127.0.0.1 ; ::1',
    `daemon_smtp_ports = ${port}`,
    'daemon_startup_retries = 0',
    extraConfig,
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, TERN_WORKERS: String(opts.workers ?? 2), TERN_STOP_GRACE_MS: '3000' };
  delete env.TERN_DAEMON_ROLE;
  if ((opts.session ?? 'stand-in') === 'stand-in') env.TERN_DAEMON_SESSION_MODULE = lineSession;
  return { dir, port, config, env };
}

export function readLog(e: DaemonEnv, which = 'main'): string {
  try {
    return fs.readFileSync(path.join(e.dir, 'log', `${which}log`), 'utf8');
  } catch {
    return '';
  }
}

export async function waitFor<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of a process (the daemon's workers). */
export function childPids(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

export interface RunningDaemon {
  child: ChildProcess;
  pid: number;
  stderr: () => string;
  /** SIGKILL the primary and its workers (always safe to call). */
  kill(): void;
}

/** `tern -bdf` in its own process group, resolved once the start-up line is in the log. */
export async function startForeground(e: DaemonEnv, args: string[] = []): Promise<RunningDaemon> {
  const before = readLog(e).split('daemon started').length;
  const child = spawn(tern, ['-C', e.config, '-bdf', ...args], { env: e.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const d: RunningDaemon = {
    child,
    pid: child.pid!,
    stderr: () => err,
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
  try {
    await waitFor('the daemon to start', () => {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${err}`);
      return readLog(e).split('daemon started').length > before;
    });
  } catch (x) {
    d.kill();
    throw x;
  }
  return d;
}

/** A line-oriented client: read one reply line, send lines. */
export class LineClient {
  readonly socket: net.Socket;
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, localAddress }, () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  /** The next line (without CRLF), or null when the connection closed first. */
  async line(timeoutMs = 10_000): Promise<string | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf('\n');
      if (i >= 0) {
        const l = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        return l;
      }
      if (this.closed) return null;
      if (Date.now() > until) throw new Error('timed out waiting for a reply line');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  send(text: string): void {
    this.socket.write(text);
  }

  async command(text: string): Promise<string | null> {
    this.send(text + '\r\n');
    return this.line();
  }

  close(): void {
    this.socket.destroy();
  }
}
