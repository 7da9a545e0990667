// Started as root with exim_user/exim_group set: the ports are bound and the
// pid file written as root, then the primary and every worker run as the
// Exim user, and the directories the daemon creates belong to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { childPids, daemonEnv, LineClient, startForeground } from '../daemon/helpers.ts';

function uidOf(pid: number): number {
  return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const root = process.geteuid?.() === 0;

test('as root: bind, write the pid file, then run as exim_user', { skip: !root && 'needs root' }, async () => {
  const e = await daemonEnv('exim_user = nobody\nexim_group = nogroup');
  fs.chmodSync(e.dir, 0o755); // the Exim user must reach its spool and logs
  const d = await startForeground(e);
  try {
    const workers = childPids(d.pid);
    assert.equal(workers.length, 2);
    for (const pid of [d.pid, ...workers]) assert.equal(uidOf(pid), 65534, `process ${pid} runs as nobody`);
    assert.equal(fs.statSync(path.join(e.dir, 'run', 'daemon.pid')).uid, 0, 'pid file written before the drop');
    assert.equal(fs.statSync(path.join(e.dir, 'spool')).uid, 65534);
    assert.equal(fs.statSync(path.join(e.dir, 'log', 'mainlog')).uid, 65534);
    const c = await LineClient.connect(e.port);
    assert.equal(await c.line(), '220 stand-in ready');
    c.close();
  } finally {
    d.kill();
  }
});
