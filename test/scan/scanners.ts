// Real scanners on loopback for the content-scanning tests: SpamAssassin's
// spamd (offline: -L, Debian's shipped rules, no user configuration) and
// ClamAV's clamd in the foreground with a temporary configuration whose
// database is one signature made here (there is no network for
// freshclam). Each runs in its own process group, killed by stop() or
// when the test process exits.

import { killGroup, running } from '../helpers/tern-daemon.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/tern-daemon.ts';

export const SPAMD = '/usr/sbin/spamd';
export const CLAMD = '/usr/sbin/clamd';
export const RSPAMD = '/usr/bin/rspamd';

/** Why a scanner's tests are skipped, or false when it can run. */
export function missing(program: string): string | false {
  return fs.existsSync(program) ? false : `${program} is not installed (apt-get install spamassassin clamav-daemon)`;
}


export interface Scanner {
  dir: string;
  port: number;
  /** clamd's Unix socket. */
  socket?: string;
  output(): string;
  stop(): Promise<void>;
}

async function waitUntil(what: string, ok: () => boolean, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}:\n${output()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(program: string, args: string[], dir: string, port: number, socket?: string): Scanner & { child: ChildProcess; text: () => string } {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir });
  running.add(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return {
    child, dir, port, socket,
    text: () => text,
    output: () => text,
    async stop() {
      killGroup(child);
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      running.delete(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** spamd on a free loopback port and a Unix socket. */
export async function startSpamd(): Promise<Scanner> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-spamd-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const socket = path.join(dir, 'spamd.sock');
  const listen = ['--listen', `127.0.0.1:${port}`, '--listen', socket];
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const s = start(SPAMD, [...listen, '--nouser-config', '-L', '--syslog', 'stderr', '--max-children', '1', '--min-children', '1',
    '--pidfile', path.join(dir, 'spamd.pid'), ...asRoot], dir, port, socket);
  try {
    await waitUntil('spamd', () => /server started on/.test(s.text()), s.child, s.text, 60_000);
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

/** The text the clamd test signature finds. */
export const CLAMD_TEST_PATTERN = 'TERN-TEST-MALWARE-SIGNATURE-7f3a';
/** The name clamd gives it (".UNOFFICIAL" is added to signatures of local databases). */
export const CLAMD_TEST_NAME = 'Tern.Test.Sig.UNOFFICIAL';

/** clamd with one body signature, on a Unix socket and a loopback port. */
export async function startClamd(): Promise<Scanner> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-clamd-'));
  const db = path.join(dir, 'db');
  fs.mkdirSync(db);
  fs.writeFileSync(path.join(db, 'tern.ndb'), `Tern.Test.Sig:0:*:${Buffer.from(CLAMD_TEST_PATTERN).toString('hex')}\n`);
  const port = await freePort();
  const socket = path.join(dir, 'clamd.sock');
  const conf = path.join(dir, 'clamd.conf');
  fs.writeFileSync(conf, [
    `LocalSocket ${socket}`, `TCPSocket ${port}`, 'TCPAddr 127.0.0.1', `DatabaseDirectory ${db}`, 'Foreground yes',
    `PidFile ${path.join(dir, 'clamd.pid')}`, `LogFile ${path.join(dir, 'clamd.log')}`, 'LogTime no', '',
  ].join('\n'));
  const s = start(CLAMD, ['-c', conf], dir, port, socket);
  try {
    // the Unix socket is made after the TCP one is bound
    await waitUntil('clamd', () => fs.existsSync(socket), s.child, () => s.text() + readOr(path.join(dir, 'clamd.log')), 60_000);
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/**
 * Rspamd with only its normal worker, on a free loopback port, its
 * configuration, databases and logs in a temporary directory (through
 * rspamd's LOCAL_CONFDIR/DBDIR/RUNDIR variables), DNS pointed at a closed
 * port so that nothing leaves the machine.
 */
export async function startRspamd(): Promise<Scanner> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-rspamd-'));
  const local = path.join(dir, 'local.d');
  for (const d of [local, path.join(dir, 'db'), path.join(dir, 'run')]) fs.mkdirSync(d);
  const port = await freePort();
  fs.writeFileSync(path.join(local, 'worker-normal.inc'), `bind_socket = "127.0.0.1:${port}";\ncount = 1;\n`);
  for (const w of ['proxy', 'controller', 'fuzzy']) fs.writeFileSync(path.join(local, `worker-${w}.inc`), 'enabled = false;\n');
  fs.writeFileSync(path.join(local, 'logging.inc'), 'type = "console";\nlevel = "notice";\n');
  fs.writeFileSync(path.join(local, 'options.inc'), 'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }\n');
  // as root, rspamd wants to be told to stay root (-i: allow it)
  const asRoot = process.getuid?.() === 0 ? ['-i', '-u', 'root', '-g', 'root'] : [];
  const s = start(RSPAMD, ['-f', ...asRoot,
    `--var=LOCAL_CONFDIR=${dir}`, `--var=DBDIR=${path.join(dir, 'db')}`, `--var=RUNDIR=${path.join(dir, 'run')}`, `--var=LOGDIR=${dir}`], dir, port);
  try {
    const until = Date.now() + 90_000;
    while (!(await canConnect(port))) {
      if (s.child.exitCode !== null) throw new Error(`rspamd exited ${s.child.exitCode}:\n${s.text()}`);
      if (Date.now() > until) throw new Error(`timed out waiting for rspamd:\n${s.text()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}
