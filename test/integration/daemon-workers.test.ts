// The daemon's worker processes: connections spread over them, a worker
// that dies is replaced (and the panic log says so) while the daemon keeps
// listening, and SIGHUP rolls over to new workers without dropping a session.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { alive, childPids, daemonEnv, LineClient, readLog, startForeground, waitFor } from '../daemon/helpers.ts';

async function workerPidOf(c: LineClient): Promise<number> {
  return Number((await c.command('PID'))!.slice(4));
}

test('connections go to the least loaded worker', async () => {
  const e = await daemonEnv('smtp_accept_max = 0', { workers: 3 });
  const d = await startForeground(e);
  const clients: LineClient[] = [];
  try {
    const pids = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      const c = await LineClient.connect(e.port);
      clients.push(c);
      await c.line();
      const pid = await workerPidOf(c);
      pids.set(pid, (pids.get(pid) ?? 0) + 1);
    }
    assert.deepEqual([...pids.values()], [2, 2, 2]);
    assert.deepEqual([...pids.keys()].sort(), childPids(d.pid).sort());
  } finally {
    for (const c of clients) c.close();
    d.kill();
  }
});

test('a worker killed with SIGKILL is replaced; the daemon keeps listening and counting', async () => {
  const e = await daemonEnv('smtp_accept_max = 2', { workers: 2 });
  const d = await startForeground(e);
  try {
    const c1 = await LineClient.connect(e.port);
    await c1.line();
    const victim = await workerPidOf(c1);
    process.kill(victim, 'SIGKILL');
    assert.equal(await c1.line(), null, 'its session is gone with it');
    await waitFor('a replacement worker', () => {
      const now = childPids(d.pid);
      return now.length === 2 && !now.includes(victim);
    });
    assert.match(readLog(e, 'panic'), new RegExp(`daemon worker process ${victim} ended unexpectedly \\(killed by signal SIGKILL\\): started another`));
    // The dead worker's connection no longer counts against smtp_accept_max = 2.
    const a = await LineClient.connect(e.port);
    assert.equal(await a.line(), '220 stand-in ready');
    const pidA = await workerPidOf(a);
    // Once the replacement is ready, the least loaded worker is the other one.
    const b = await waitFor('a session on the other worker', async () => {
      const c = await LineClient.connect(e.port);
      if ((await c.line()) === '220 stand-in ready' && (await workerPidOf(c)) !== pidA) return c;
      c.close();
      await new Promise((r) => setTimeout(r, 100));
      return false;
    });
    // A session that makes its worker exit is a crash too.
    a.send('CRASH\r\n');
    assert.equal(await a.line(), null);
    assert.equal(await b.command('NOOP'), '250 ok');
    await waitFor('the second replacement', () => (readLog(e, 'panic').match(/ended unexpectedly/g) ?? []).length === 2 && childPids(d.pid).length === 2);
    b.close();
  } finally {
    d.kill();
  }
});

test('SIGHUP: new configuration, new workers; a session in progress goes on to its end', async () => {
  const e = await daemonEnv('smtp_accept_max = 5', { workers: 2 });
  const d = await startForeground(e);
  try {
    const c = await LineClient.connect(e.port);
    assert.equal(await c.line(), '220 stand-in ready');
    const oldWorker = await workerPidOf(c);
    const oldWorkers = childPids(d.pid);
    fs.writeFileSync(e.config, fs.readFileSync(e.config, 'utf8').replace('smtp_accept_max = 5', 'smtp_accept_max = 1'));
    process.kill(d.pid, 'SIGHUP');
    await waitFor('the reload', () => (readLog(e).match(/daemon started/g) ?? []).length === 2);
    assert.match(readLog(e), new RegExp(`pid ${d.pid}: SIGHUP received: reloading configuration`));
    // The old session is still served by its old worker...
    assert.equal(await c.command('NOOP'), '250 ok');
    assert.equal(await workerPidOf(c), oldWorker);
    // ...the new limit applies (the old session counts), new sessions go to new workers.
    const refused = await LineClient.connect(e.port);
    assert.equal(await refused.line(), '421 Too many concurrent SMTP connections; please try again later.');
    // The other old worker had no session: it is gone; the busy one stays until its session ends.
    await waitFor('the idle old worker to exit', () => oldWorkers.filter(alive).length === 1);
    assert.equal(await c.command('QUIT'), '221 bye');
    await waitFor('the old worker to exit', () => !alive(oldWorker));
    const n = await LineClient.connect(e.port);
    assert.equal(await n.line(), '220 stand-in ready');
    assert.ok(!oldWorkers.includes(await workerPidOf(n)));
    n.close();
  } finally {
    d.kill();
  }
});

test('SIGHUP with a broken configuration keeps the old one', async () => {
  const e = await daemonEnv('', { workers: 1 });
  const d = await startForeground(e);
  try {
    const workers = childPids(d.pid);
    fs.appendFileSync(e.config, 'no_such_option_at_all = 1\n');
    process.kill(d.pid, 'SIGHUP');
    await waitFor('the failure to be logged', () => /configuration reload failed; the daemon goes on with the previous configuration/.test(readLog(e, 'panic')));
    assert.deepEqual(childPids(d.pid), workers);
    const c = await LineClient.connect(e.port);
    assert.equal(await c.line(), '220 stand-in ready');
    c.close();
  } finally {
    d.kill();
  }
});
