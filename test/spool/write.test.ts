import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyMessage } from '../../src/mail/message.ts';
import { newMessageId } from '../../src/spool/message-id.ts';
import { MessageIdInUseError, rewriteHeaderFile, writeMessage } from '../../src/spool/write.ts';
import { readDataFile, readHeaderFile } from '../../src/spool/read.ts';
import { directorySyncCount } from '../../src/spool/durable.ts';
import { scanQueue } from '../../src/queue/list.ts';
import { startChild } from './child.ts';

function tmpSpool(t: test.TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-spool-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function message(queueName = '') {
  const { id, timeMicros } = newMessageId();
  const m = emptyMessage(id);
  m.sender = 's@example.org';
  m.receivedTime = Number(timeMicros / 1_000_000n);
  m.queueName = queueName;
  m.bodyLinecount = 1;
  m.recipients.push({ address: 'r@example.com' });
  m.headers.push({ flag: ' ', text: 'Subject: hi\n' });
  return m;
}

test('writes -D and -H in input/, readable back; no temporary file left', async (t) => {
  const spool = tmpSpool(t);
  const m = message();
  await writeMessage(spool, m, [Buffer.from('hello\n'), Buffer.from('world\n')], { split: false });
  const dir = path.join(spool, 'input');
  assert.deepEqual(fs.readdirSync(dir).sort(), [`${m.id}-D`, `${m.id}-H`]);
  assert.equal(fs.readFileSync(path.join(dir, `${m.id}-D`), 'latin1'), `${m.id}-D\nhello\nworld\n`);
  assert.equal(readDataFile(path.join(dir, `${m.id}-D`), m.id).toString(), 'hello\nworld\n');
  const back = readHeaderFile(path.join(dir, `${m.id}-H`));
  assert.equal(back.sender, 's@example.org');
  assert.deepEqual(back.recipients, [{ address: 'r@example.com' }]);
  assert.equal(fs.statSync(path.join(dir, `${m.id}-H`)).mode & 0o777, 0o640);
});

test('split spool and named queues', async (t) => {
  const spool = tmpSpool(t);
  const a = message();
  await writeMessage(spool, a, Buffer.from('x\n'), { split: true });
  assert.ok(fs.existsSync(path.join(spool, 'input', a.id[5], `${a.id}-H`)));
  const b = message('quar');
  await writeMessage(spool, b, Buffer.from('x\n'), { split: false });
  assert.ok(fs.existsSync(path.join(spool, 'quar', 'input', `${b.id}-H`)));
  assert.deepEqual((await scanQueue(spool)).map((e) => e.id), [a.id]);
  assert.deepEqual((await scanQueue(spool, 'quar')).map((e) => e.id), [b.id]);
  await assert.rejects(writeMessage(spool, { ...message(), queueName: '../x' }, Buffer.from(''), { split: false }), /bad queue name/);
});

test('an id already on the spool is never overwritten', async (t) => {
  const spool = tmpSpool(t);
  const m = message();
  await writeMessage(spool, m, Buffer.from('first\n'), { split: false });
  await assert.rejects(writeMessage(spool, m, Buffer.from('second\n'), { split: false }), MessageIdInUseError);
  assert.equal(readDataFile(path.join(spool, 'input', `${m.id}-D`)).toString(), 'first\n');
  assert.ok(fs.existsSync(path.join(spool, 'input', `${m.id}-H`)));
});

test('a failed write leaves nothing of its own behind and touches nothing of others', async (t) => {
  const spool = tmpSpool(t);
  const first = message();
  await writeMessage(spool, first, Buffer.from('x\n'), { split: false });
  const dir = path.join(spool, 'input');
  // -D in use: no hdr.<id> is left behind.
  await assert.rejects(writeMessage(spool, first, Buffer.from('y\n'), { split: false }), MessageIdInUseError);
  assert.deepEqual(fs.readdirSync(dir).sort(), [`${first.id}-D`, `${first.id}-H`]);
  // hdr.<id> in use (a rewrite of that id in progress): it is left alone and no -D is made.
  const second = message();
  fs.writeFileSync(path.join(dir, `hdr.${second.id}`), 'someone else\n');
  await assert.rejects(writeMessage(spool, second, Buffer.from('z\n'), { split: false }), MessageIdInUseError);
  assert.equal(fs.readFileSync(path.join(dir, `hdr.${second.id}`), 'latin1'), 'someone else\n');
  assert.ok(!fs.existsSync(path.join(dir, `${second.id}-D`)));
});

test('a body given as many buffers is written whole, in order', async (t) => {
  const spool = tmpSpool(t);
  const m = message();
  const parts = Array.from({ length: 2000 }, (_, i) => Buffer.from(`line ${i}\n`));
  await writeMessage(spool, m, parts, { split: false });
  assert.deepEqual(readDataFile(path.join(spool, 'input', `${m.id}-D`), m.id), Buffer.concat(parts));
});

test('rewriting the -H file replaces it whole', async (t) => {
  const spool = tmpSpool(t);
  const m = message();
  await writeMessage(spool, m, Buffer.from('x\n'), { split: false });
  m.nonRecipients.push('r@example.com');
  m.deliverFirsttime = false;
  await rewriteHeaderFile(spool, m, { split: false });
  const back = readHeaderFile(path.join(spool, 'input', `${m.id}-H`));
  assert.deepEqual(back.nonRecipients, ['r@example.com']);
  assert.deepEqual(fs.readdirSync(path.join(spool, 'input')).length, 2);
});

test('group commit: 40 concurrent writes share directory fsyncs', async (t) => {
  const spool = tmpSpool(t);
  await writeMessage(spool, message(), Buffer.from('warm\n'), { split: false }); // creates the directories
  const before = directorySyncCount();
  await Promise.all(Array.from({ length: 40 }, () => writeMessage(spool, message(), Buffer.alloc(5000, 0x61), { split: false })));
  const used = directorySyncCount() - before;
  assert.ok(used >= 1 && used < 40, `directory fsyncs: ${used}`);
  assert.equal((await scanQueue(spool)).length, 41);
});

test('kill -9 during writes: every acknowledged message is whole, no -H without a complete -D', async (t) => {
  for (const [round, delay] of [[1, 150], [2, 400], [3, 700]] as const) {
    const spool = tmpSpool(t);
    const child = startChild('writer.ts', [spool, round === 2 ? 'split' : 'flat']);
    await child.waitFor((l) => l.startsWith('ok '));
    await new Promise((r) => setTimeout(r, delay));
    child.proc.kill('SIGKILL');
    await child.exited;
    const acked = child.lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(3));
    const onSpool = await scanQueue(spool);
    const ids = new Set(onSpool.map((e) => e.id));
    for (const id of acked) assert.ok(ids.has(id), `acknowledged ${id} is on the spool`);
    for (const e of onSpool) {
      const body = readDataFile(path.join(e.dir, `${e.id}-D`), e.id);
      assert.deepEqual(body, Buffer.from(`${e.id} line of the body\n`.repeat(3000)), `${e.id}: complete -D`);
      assert.equal(readHeaderFile(path.join(e.dir, `${e.id}-H`)).headers[0].text, `Subject: ${e.id}\n`);
    }
    assert.ok(acked.length > 0);
  }
});
