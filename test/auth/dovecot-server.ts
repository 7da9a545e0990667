// A real Dovecot (dovecot-core) for the dovecot authenticator's tests: only
// its auth service, with a passwd-file of test users, an auth-client Unix
// socket and an inet listener on a free loopback port, all in a temporary
// directory. Dovecot insists on running as root; without root or without
// the dovecot binary, startDovecot says why and the tests skip.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/tern-daemon.ts';

const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  dir: string;
  /** The auth-client Unix socket. */
  socket: string;
  /** The auth-client inet listener (127.0.0.1). */
  port: number;
  /** Dovecot's own log. */
  log(): string;
  /** Stop Dovecot (its whole process group) and wait for it; idempotent. */
  stop(): Promise<void>;
}

/** Why Dovecot cannot be run here, or undefined when it can. */
export function dovecotUnavailable(): string | undefined {
  if (!fs.existsSync(DOVECOT)) return `${DOVECOT} is not installed (apt-get install dovecot-core)`;
  if (process.getuid?.() !== 0) return 'Dovecot must be started as root';
  return undefined;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number, extra: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!await ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${extra()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Start Dovecot's auth service with these users (name → password, stored {PLAIN}, usable by every mechanism). */
export async function startDovecot(users: Record<string, string>, mechanisms = 'plain login cram-md5'): Promise<Dovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-dovecot-'));
  const socket = path.join(dir, 'auth-client');
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'passwd'), Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}\n`).join(''));
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, `
protocols =
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = ${mechanisms}
auth_failure_delay = 0
auth_verbose = yes
# no auth penalty for the test client (else each failure slows the next attempt)
login_trusted_networks = 127.0.0.0/8
default_internal_user = root
default_internal_group = root
default_login_user = root
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=root gid=root home=${dir}
}
service auth {
  unix_listener ${socket} {
    mode = 0666
  }
  inet_listener auth-inet {
    address = 127.0.0.1
    port = ${port}
  }
}
service anvil {
  chroot =
}
`);
  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const log = (): string => {
    try {
      return fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  };
  let stopped = false;
  const d: Dovecot = {
    dir, socket, port, log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // all gone
        }
      }
      running.delete(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until('Dovecot to listen', async () => {
      if (child.exitCode !== null) throw new Error(`dovecot exited ${child.exitCode}: ${err}${log()}`);
      return fs.existsSync(socket) && await accepts(port);
    }, 15_000, () => err + log());
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
