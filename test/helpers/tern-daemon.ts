// A real `bin/tern -bdf` for integration tests: a temporary directory with
// the configuration, spool and logs, free loopback ports given with -oX,
// and a stop() that kills the daemon's whole process group. The daemon runs
// in its own process group and is also killed when the test process exits,
// so nothing is left behind even when a test fails or times out.

import { execFile, spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readDataFile, readHeaderFile } from '../../src/spool/read.ts';
import type { Message } from '../../src/mail/message.ts';

export const repo = path.resolve(import.meta.dirname, '../..');
export const ternBin = path.join(repo, 'bin', 'tern');

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface DaemonOptions {
  /** Configuration text after the lines the helper writes (spool, logs, user). */
  config: string;
  /** Also listen on a second port with TLS on connect. */
  tlsOnConnect?: boolean;
  /** Worker processes (TERN_WORKERS); 1 unless given. */
  workers?: number;
  /** Extra command-line arguments for -bdf. */
  args?: string[];
  /**
   * Run Debian's Exim (/usr/sbin/exim4) instead of tern with the same
   * configuration: how the tests record what Exim answers, as fixtures.
   */
  program?: 'tern' | 'exim4';
}

export interface SpooledMessage {
  header: Message;
  /** The -D file's body (after the id line). */
  body: Buffer;
}

/** A temporary directory with a configuration, spool and logs, without a daemon (for -bs, -bp...). */
export interface TernSetup {
  dir: string;
  configPath: string;
  spoolDir: string;
  /** The program run by tern(): bin/tern, or /usr/sbin/exim4 when recording. */
  bin: string;
  env: NodeJS.ProcessEnv;
  log(which?: 'main' | 'reject' | 'panic'): string;
  /** Wait until the log has a line matching re; resolves with that line. */
  waitForLog(re: RegExp, which?: 'main' | 'reject' | 'panic', timeoutMs?: number): Promise<string>;
  /** The `<=` line of a message id (waiting for it to be written). */
  arrivalLine(id: string): Promise<string>;
  /** Ids of the messages in the spool's input directory. */
  spooledIds(): string[];
  readMessage(id: string): SpooledMessage;
  /** Run `bin/tern -C <config> ...args` (e.g. -bp) synchronously (exim4 when that is the program). */
  tern(args: string[], input?: string): SpawnSyncReturns<string>;
  /** Remove the directory (idempotent). */
  remove(): void;
}

export interface TernDaemon extends TernSetup {
  port: number;
  /** The TLS-on-connect port, when asked for. */
  tlsPort?: number;
  pid: number;
  stderr(): string;
  /** Kill the daemon's process group and remove its directory (idempotent). */
  stop(): Promise<void>;
}

/** Children started detached in their own process group: killed whole when the test process exits. */
export const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) killGroup(c);
});

export function killGroup(c: ChildProcess): void {
  try {
    process.kill(-c.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitFor<T>(what: string, f: () => T | undefined | false | null, timeoutMs: number, extra?: () => string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${extra ? `\n${extra()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The user the test runs as, for exim_user/exim_group (no privilege drop surprises). */
function currentUser(): { user: string; group: string } {
  const u = os.userInfo();
  return { user: String(u.uid), group: String(u.gid) };
}

/** Write the configuration (spool, logs and user first, then opts.config) into a new temporary directory. */
export function ternSetup(opts: { config: string; program?: 'tern' | 'exim4'; preamble?: string[] }): TernSetup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-integ-'));
  const spoolDir = path.join(dir, 'spool');
  const logDir = path.join(dir, 'log');
  const configPath = path.join(dir, 'configure');
  const { user, group } = currentUser();
  fs.writeFileSync(configPath, [
    `spool_directory = ${spoolDir}`,
    `log_file_path = ${logDir}/%slog`,
    `exim_user = ${user}`,
    `exim_group = ${group}`,
    ...(opts.preamble ?? []),
    opts.config,
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Whatever the daemon's own tests set must not leak in.
  delete env.TERN_DAEMON_SESSION_MODULE;
  delete env.TERN_DAEMON_ROLE;
  // TERN_INTEG_PROGRAM=exim4 runs a whole test file against Debian's Exim, to
  // check that its expectations are Exim's.
  const program = opts.program ?? (process.env.TERN_INTEG_PROGRAM === 'exim4' ? 'exim4' : 'tern');
  const bin = program === 'exim4' ? '/usr/sbin/exim4' : ternBin;
  const log = (which: 'main' | 'reject' | 'panic' = 'main'): string => {
    try {
      return fs.readFileSync(path.join(logDir, `${which}log`), 'utf8');
    } catch {
      return '';
    }
  };
  const t: TernSetup = {
    dir, configPath, spoolDir, bin, env,
    log,
    waitForLog: (re, which = 'main', timeoutMs = 5000) =>
      waitFor(`a ${which}log line matching ${re}`, () => log(which).split('\n').find((l) => re.test(l)), timeoutMs, () => log(which)),
    arrivalLine: (id) => t.waitForLog(new RegExp(`^\\S+ \\S+ ${id} <= `)),
    spooledIds() {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(spoolDir, 'input'));
      } catch {
        return [];
      }
      return names.filter((n) => n.endsWith('-H')).map((n) => n.slice(0, -2)).sort();
    },
    readMessage(id) {
      const input = path.join(spoolDir, 'input');
      return { header: readHeaderFile(path.join(input, `${id}-H`)), body: readDataFile(path.join(input, `${id}-D`), id) };
    },
    tern: (args, input) => spawnSync(bin, ['-C', configPath, ...args], { env, input, encoding: 'utf8', timeout: 20_000 }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  return t;
}

export async function startDaemon(opts: DaemonOptions): Promise<TernDaemon> {
  const port = await freePort();
  const tlsPort = opts.tlsOnConnect ? await freePort() : undefined;
  const setup = ternSetup({
    config: opts.config, program: opts.program,
    preamble: ['daemon_startup_retries = 0', ...(tlsPort ? [`tls_on_connect_ports = ${tlsPort}`] : [])],
  });
  const listen = ['<;', `127.0.0.1.${port}`, ...(tlsPort ? [';', `127.0.0.1.${tlsPort}`] : [])].join(' ');
  const env: NodeJS.ProcessEnv = { ...setup.env, TERN_WORKERS: String(opts.workers ?? 1), TERN_STOP_GRACE_MS: '1000' };
  const child = spawn(setup.bin, ['-C', setup.configPath, '-bdf', '-oX', listen, ...(opts.args ?? [])], {
    env, stdio: ['ignore', 'ignore', 'pipe'], detached: true,
  });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let stopped = false;
  const d: TernDaemon = {
    ...setup,
    port, tlsPort, pid: child.pid!,
    stderr: () => err,
    async stop() {
      if (stopped) return;
      stopped = true;
      killGroup(child);
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      running.delete(child);
      setup.remove();
    },
  };
  try {
    await waitFor('the daemon to listen', () => {
      if (child.exitCode !== null) throw new Error(`${setup.bin} -bdf exited ${child.exitCode}: ${err}`);
      return /daemon started: .*listening for SMTP/.test(setup.log());
    }, 15_000, () => err + setup.log('panic'));
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program asynchronously (the daemon keeps running meanwhile), with a time limit. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 },
      (e, stdout, stderr) => {
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    p.stdin!.end(opts.input ?? '');
  });
}
