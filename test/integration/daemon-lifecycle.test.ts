// tern -bd / -bdf: detaching, pid file, IPv4 and IPv6 listening, -oX, -q,
// start-up failure, SIGTERM. Uses the stand-in session (test/daemon/fixtures).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { alive, daemonEnv, freePort, LineClient, readLog, startForeground, tern, waitFor } from '../daemon/helpers.ts';

test('-bd detaches once listening, writes the pid file, serves IPv4 and IPv6, stops on SIGTERM', async () => {
  const e = await daemonEnv();
  const r = spawnSync(tern, ['-C', e.config, '-bd'], { env: e.env, encoding: 'utf8', timeout: 20_000 });
  const pidFile = path.join(e.dir, 'run', 'daemon.pid');
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  try {
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(pidFile, 'utf8'), /^\d+\n$/);
    assert.ok(alive(pid));
    assert.match(readLog(e), new RegExp(`exim \\S+ daemon started: pid=${pid}, no queue runs, listening for SMTP on \\[127\\.0\\.0\\.1\\]:${e.port} \\[::1\\]:${e.port}\\n`));
    for (const host of ['127.0.0.1', '::1']) {
      const c = await LineClient.connect(e.port, host);
      assert.equal(await c.line(), '220 stand-in ready');
      const info = JSON.parse((await c.command('INFO'))!.slice(4)) as Record<string, unknown>;
      assert.equal(info.remoteAddress, host);
      assert.equal(info.localPort, e.port);
      assert.equal(await c.command('QUIT'), '221 bye');
      c.close();
    }
    process.kill(pid, 'SIGTERM');
    await waitFor('the daemon to exit', () => !alive(pid));
    assert.equal(fs.existsSync(pidFile), false, 'pid file removed');
  } finally {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already stopped
    }
  }
});

test('-oX overrides the ports; no pid file without -oP; -oP names one; -q<time> is logged', async () => {
  const e = await daemonEnv();
  const other = await freePort();
  const d = await startForeground(e, ['-oX', String(other)]);
  try {
    assert.equal(await new Promise((res) => net.connect(e.port, '127.0.0.1').on('connect', () => res('open')).on('error', () => res('refused'))), 'refused');
    const c = await LineClient.connect(other, '::1');
    assert.equal(await c.line(), '220 stand-in ready');
    c.close();
    assert.equal(fs.existsSync(path.join(e.dir, 'run', 'daemon.pid')), false);
  } finally {
    d.kill();
  }
  const oP = path.join(e.dir, 'other.pid');
  const d2 = await startForeground(e, ['-oX', `127.0.0.1.${other}`, '-oP', oP, '-q30m']);
  try {
    assert.equal(fs.readFileSync(oP, 'utf8'), `${d2.pid}\n`);
    assert.match(readLog(e), new RegExp(`daemon started: pid=${d2.pid}, -q30m, listening for SMTP on \\[127\\.0\\.0\\.1\\]:${other}\\n`));
    assert.match(readLog(e), /queue running is not implemented yet/);
  } finally {
    d2.kill();
  }
});

test('a port in use: -bd reports the bind failure and exits 1', async () => {
  const e = await daemonEnv();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(e.port, '127.0.0.1', r));
  try {
    const r = spawnSync(tern, ['-C', e.config, '-bd'], { env: e.env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`socket bind\\(\\) to port ${e.port} for address 127\\.0\\.0\\.1 failed: Address already in use: daemon abandoned`));
    assert.match(readLog(e, 'panic'), /daemon abandoned/);
  } finally {
    blocker.close();
  }
});

test('SIGTERM lets a session in progress finish within the grace period, then exits 0', async () => {
  const e = await daemonEnv();
  const d = await startForeground(e);
  try {
    const c = await LineClient.connect(e.port);
    assert.equal(await c.line(), '220 stand-in ready');
    const exited = new Promise<number | null>((r) => d.child.on('exit', (code) => r(code)));
    process.kill(d.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Still served after SIGTERM; no new connections are taken.
    assert.equal(await c.command('NOOP'), '250 ok');
    assert.equal(await new Promise((res) => net.connect(e.port, '127.0.0.1').on('connect', () => res('open')).on('error', () => res('refused'))), 'refused');
    assert.equal(await c.command('QUIT'), '221 bye');
    assert.equal(await exited, 0);
  } finally {
    d.kill();
  }
});

test('a connection made while the workers are still starting is served once they are ready', async () => {
  const e = await daemonEnv();
  const child = spawn(tern, ['-C', e.config, '-bdf'], { env: e.env, stdio: 'ignore', detached: true });
  try {
    // Connect as soon as the port is bound, before "daemon started".
    const c = await waitFor('the port to be bound', async () => {
      try {
        return await LineClient.connect(e.port);
      } catch {
        return false;
      }
    });
    assert.doesNotMatch(readLog(e), /daemon started/, 'connected during start-up');
    assert.equal(await c.line(), '220 stand-in ready');
    assert.equal(await c.command('QUIT'), '221 bye');
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
