import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  decodeBase62, encodeBase62, isMessageId, messageSubdir, newMessageId, parseMessageId, MESSAGE_ID_RE,
} from '../../src/spool/message-id.ts';

test('base62 encoding is Exim\'s (digits, upper, lower)', () => {
  assert.equal(encodeBase62(0, 2), '00');
  assert.equal(encodeBase62(61, 1), 'z');
  assert.equal(encodeBase62(62, 2), '10');
  assert.equal(decodeBase62('1xV7G4'), 1795352728); // from an id exim4 made at that second
  assert.throws(() => encodeBase62(62 ** 2, 2), RangeError);
});

test('parses both id forms; time comes from the first field', () => {
  const p = parseMessageId('1xV7Gs-000000004Z1-1Z24');
  assert.deepEqual(p, { time: 1795352778, pid: decodeBase62('4Z1'), fraction: decodeBase62('1Z24'), form: 'new' });
  const old = parseMessageId('0t5C6f-0000c8-00');
  assert.equal(old?.form, 'old');
  assert.equal(old?.time, decodeBase62('0t5C6f'));
  assert.equal(parseMessageId('1xV7Gs-000000004Z1-1Z2'), null);
  assert.equal(parseMessageId('1xV7Gs_000000004Z1-1Z24'), null);
  assert.ok(isMessageId('0t5C6f-0000c8-00'));
  assert.ok(!isMessageId('../../etc/pa-sswd'));
  assert.equal(messageSubdir('1xV7Gs-000000004Z1-1Z24'), 's');
});

test('new ids encode time, pid and microseconds', () => {
  const now = 1795352778n * 1_000_000n + 123456n;
  const { id, timeMicros } = newMessageId({ pid: 4242, nowMicros: now });
  assert.match(id, MESSAGE_ID_RE);
  assert.equal(timeMicros, now);
  const p = parseMessageId(id)!;
  assert.equal(p.time, 1795352778);
  assert.equal(p.pid, 4242);
  assert.equal(p.fraction, 123456);
});

test('localhost_number: fraction is number*500000 + microseconds/2', () => {
  const now = 1795352778n * 1_000_000n + 999_999n;
  const { id } = newMessageId({ pid: 4243, nowMicros: now, localhostNumber: 16 });
  assert.equal(parseMessageId(id)!.fraction, 16 * 500_000 + 499_999);
  assert.throws(() => newMessageId({ pid: 1, localhostNumber: 17 }), /localhost_number/);
});

test('ids of one process never repeat, even within one microsecond', () => {
  const now = 1795352778n * 1_000_000n + 999_998n;
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add(newMessageId({ pid: 4244, nowMicros: now }).id);
  assert.equal(ids.size, 5);
  // Stepping past the end of a second carries into the time field.
  assert.ok([...ids].some((id) => parseMessageId(id)!.time === 1795352779));
  const seq = [...ids].map((id) => parseMessageId(id)!);
  for (let i = 1; i < seq.length; i++) assert.ok(seq[i].time * 1e6 + seq[i].fraction > seq[i - 1].time * 1e6 + seq[i - 1].fraction);
});

test('a burst from several processes gives unique ids', async () => {
  const child = path.join(import.meta.dirname, 'children', 'ids.ts');
  const run = () => new Promise<string[]>((resolve, reject) => {
    const p = spawn(process.execPath, [child, '3000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`child exit ${code}`))));
  });
  const lists = await Promise.all([run(), run(), run(), run()]);
  const all = lists.flat();
  assert.equal(all.length, 12000);
  for (const id of all) assert.match(id, MESSAGE_ID_RE);
  assert.equal(new Set(all).size, all.length);
});
