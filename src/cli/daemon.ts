// -bd / -bdf: the listening daemon.
//
// Node cannot fork(), so the process roles are chosen by re-invoking tern
// with the same command line and TERN_DAEMON_ROLE in the environment:
//   (none), -bd     the launcher: starts a detached primary and exits 0 once
//                   it reports "listening" (start-up errors still reach the
//                   terminal, with exit code 1)
//   detached / -bdf the primary (src/daemon/primary.ts)
//   worker          a worker (src/daemon/worker.ts), started by the primary
//
// TERN_WORKERS sets the number of workers (default: the number of CPUs);
// TERN_STOP_GRACE_MS how long sessions may go on after SIGTERM (default 10 s).

import { spawn } from 'node:child_process';
import os from 'node:os';
import type { CliOptions } from './args.ts';
import { ConfigError, findConfigFile, loadConfig } from '../config/index.ts';
import { loggerFromConfig } from '../log/index.ts';
import { ROLE_ENV, type ToLauncher } from '../daemon/protocol.ts';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function positiveEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** The script tern runs from (src/main.ts or the bundle) and how Node was started. */
function selfInvocation(): { entry: string; argv: string[]; execArgv: string[] } {
  return { entry: process.argv[1], argv: process.argv.slice(2), execArgv: process.execArgv };
}

/** Put a start-up failure where Exim would: the panic log (which echoes to stderr) or, failing that, stderr. */
function reportStartFailure(opts: CliOptions, message: string, detached: boolean): void {
  try {
    const config = loadConfig(findConfigFile(opts), opts.macros);
    loggerFromConfig(config, detached ? { stderr: null } : {}).panic(message);
    return;
  } catch {
    // the configuration itself is what failed
  }
  if (!detached) process.stderr.write(`${message}\n`);
}

async function runPrimary(opts: CliOptions, detached: boolean): Promise<number> {
  const { Primary } = await import('../daemon/primary.ts');
  const self = selfInvocation();
  const primary = new Primary({
    cli: opts,
    detached,
    ...self,
    workers: positiveEnv('TERN_WORKERS', os.availableParallelism()),
    stopGraceMs: positiveEnv('TERN_STOP_GRACE_MS', 10_000),
  });
  const tell = (m: ToLauncher) => {
    if (detached && process.connected) process.send?.(m, () => process.disconnect());
  };
  try {
    await primary.start();
  } catch (e) {
    const message = errorText(e);
    if (!(e instanceof ConfigError)) reportStartFailure(opts, message, detached);
    else if (!detached) process.stderr.write(`${message}\n`);
    tell({ t: 'failed', message });
    return 1;
  }
  tell({ t: 'listening', pid: process.pid });
  // The primary now lives on its sockets and signals; stop() ends the process.
  return new Promise<number>(() => {});
}

/** -bd: start the primary detached and wait until it listens (or fails). */
function launchDetached(): Promise<number> {
  const self = selfInvocation();
  const child = spawn(process.execPath, [...self.execArgv, self.entry, ...self.argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [ROLE_ENV]: 'detached' },
  });
  return new Promise((resolve) => {
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    child.on('message', (m: ToLauncher) => {
      if (m.t === 'listening') done(0);
      else {
        process.stderr.write(`${m.message}\n`);
        done(1);
      }
    });
    child.on('error', (e) => {
      process.stderr.write(`exim: cannot start the daemon: ${e.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) => {
      if (!settled) process.stderr.write(`exim: the daemon ended during start-up (${signal ?? `exit code ${code}`})\n`);
      done(1);
    });
  });
}

export async function main(opts: CliOptions): Promise<number> {
  const role = process.env[ROLE_ENV];
  if (role === 'worker') {
    const { runWorker } = await import('../daemon/worker.ts');
    // The IPC channel would keep the process alive: exit explicitly.
    process.exit(await runWorker(opts));
  }
  if (role === 'detached') return runPrimary(opts, true);
  if (opts.foreground) return runPrimary(opts, false);
  return launchDetached();
}
