import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireMessageLock, lockedMessageIds, ownerAlive } from '../../src/spool/lock.ts';
import { startChild } from './child.ts';

const A = '1xV7Gs-000000004Z1-1Z24';
const B = '1xV7Gs-000000004Z1-1Z25';

function tmpSpool(t: test.TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-lock-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('one owner at a time within a process; release frees the message', async (t) => {
  const spool = tmpSpool(t);
  const l1 = await acquireMessageLock(spool, A);
  assert.ok(l1);
  assert.equal(await acquireMessageLock(spool, A), null);
  const l2 = await acquireMessageLock(spool, B);
  assert.ok(l2);
  assert.deepEqual((await lockedMessageIds(spool)).sort(), [A, B]);
  await l1.release();
  await l1.release(); // twice is harmless
  const l3 = await acquireMessageLock(spool, A);
  assert.ok(l3);
  await l3.release();
  await l2.release();
  assert.deepEqual(await lockedMessageIds(spool), []);
  assert.deepEqual(fs.readdirSync(path.join(spool, 'lock')), []);
  await assert.rejects(acquireMessageLock(spool, '../etc'), /bad message id/);
});

test('another live process holds the lock; after its kill -9 the lock is reclaimed', async (t) => {
  const spool = tmpSpool(t);
  const child = startChild('locker.ts', [spool, A, B]);
  t.after(() => child.proc.kill('SIGKILL'));
  await child.waitFor((l) => l === 'ready');
  assert.deepEqual(child.lines, [`locked ${A}`, `locked ${B}`, 'ready']);
  assert.equal(await acquireMessageLock(spool, A), null);
  assert.equal(await acquireMessageLock(spool, B), null);
  child.proc.kill('SIGKILL');
  await child.exited;
  const la = await acquireMessageLock(spool, A);
  const lb = await acquireMessageLock(spool, B);
  assert.ok(la && lb, 'locks of a dead owner are reclaimed');
  assert.equal(fs.readdirSync(path.dirname(la.file)).length, 1, 'the dead owner\'s file is gone');
  // and now we are the live owner that a new process cannot pass
  const other = startChild('locker.ts', ['--release', spool, A]);
  await other.exited;
  assert.deepEqual(other.lines, [`busy ${A}`, 'ready']);
  await la.release();
  await lb.release();
});

test('owners are told apart by pid, start time and boot: a reused pid is not the owner', () => {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replace(/-/g, '').slice(0, 12);
  assert.equal(ownerAlive(`${process.pid}.${start}.${boot}.1`), true);
  assert.equal(ownerAlive(`${process.pid}.${Number(start) + 1}.${boot}.1`), false, 'same pid, other start time');
  assert.equal(ownerAlive(`${process.pid}.${start}.000000000000.1`), false, 'other boot');
  assert.equal(ownerAlive('junk'), false);
});

test('contending processes: never two owners at once', async (t) => {
  const spool = tmpSpool(t);
  const ids = Array.from({ length: 30 }, (_, i) => `1xV7Gs-000000004Z1-1Z${String(i).padStart(2, '0')}`);
  const kids = Array.from({ length: 4 }, () => startChild('locker.ts', [spool, ...ids]));
  t.after(() => { for (const k of kids) k.proc.kill('SIGKILL'); });
  await Promise.all(kids.map((k) => k.waitFor((l) => l === 'ready', 20_000)));
  for (const id of ids) {
    const owners = kids.filter((k) => k.lines.includes(`locked ${id}`)).length;
    assert.ok(owners <= 1, `${id} has ${owners} owners`);
  }
  // All children still hold their locks: nobody else gets any of them.
  for (const id of ids) {
    const held = kids.some((k) => k.lines.includes(`locked ${id}`));
    if (held) assert.equal(await acquireMessageLock(spool, id), null);
  }
});
