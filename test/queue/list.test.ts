import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareIds, countQueue, formatAge, formatSize, listQueue } from '../../src/queue/list.ts';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'spool', 'exim-4.98');
const now = Number(fs.readFileSync(path.join(FIX, 'now.txt'), 'utf8'));
const golden = (name: string) => fs.readFileSync(path.join(FIX, `${name}.txt`), 'latin1');

test('-bp, -bpa, -bpu, -bpi and a named queue list Exim\'s spool exactly as exim4 did', async () => {
  assert.equal(await listQueue({ spoolDir: FIX, now }), golden('bp'));
  assert.equal(await listQueue({ spoolDir: FIX, now, variant: 'plus-generated' }), golden('bpa'));
  assert.equal(await listQueue({ spoolDir: FIX, now, variant: 'undelivered' }), golden('bpu'));
  assert.equal(await listQueue({ spoolDir: FIX, now, variant: 'ids' }), golden('bpi'));
  assert.equal(await listQueue({ spoolDir: FIX, now, queueName: 'quar' }), golden('bp-quar'));
  assert.equal(`${await countQueue(FIX)}\n`, golden('bpc'));
});

test('-bpr lists the same messages; ids as arguments restrict the listing', async () => {
  const unsorted = await listQueue({ spoolDir: FIX, now, unsorted: true });
  const blocks = (s: string) => s.split('\n\n').filter(Boolean).sort();
  assert.deepEqual(blocks(unsorted), blocks(golden('bp')));
  const one = await listQueue({ spoolDir: FIX, now, ids: ['1xV7Jh-000000006hH-1Mbj'] });
  assert.equal(one, golden('bp').split('\n\n').find((b) => b.includes('1xV7Jh-000000006hH-1Mbj'))! + '\n\n');
});

test('size column as Exim formats it', () => {
  assert.equal(formatSize(0), '     ');
  assert.equal(formatSize(292), '  292');
  assert.equal(formatSize(1023), ' 1023');
  assert.equal(formatSize(1024), ' 1.0K');
  assert.equal(formatSize(1280), ' 1.2K'); // exactly 1.25: C rounds half to even
  assert.equal(formatSize(1331), ' 1.3K');
  assert.equal(formatSize(10 * 1024), '  10K');
  assert.equal(formatSize(14433), '  14K');
  assert.equal(formatSize(1024 * 1024 - 1), '1024K');
  assert.equal(formatSize(3 * 1024 * 1024), ' 3.0M');
  assert.equal(formatSize(15 * 1024 * 1024), '  15M');
});

test('age column: minutes to 90, hours to 72, then days', () => {
  assert.equal(formatAge(0), ' 0m');
  assert.equal(formatAge(59), ' 0m');
  assert.equal(formatAge(90 * 60), '90m');
  assert.equal(formatAge(91 * 60), ' 2h');
  assert.equal(formatAge(72 * 3600), '72h');
  assert.equal(formatAge(73 * 3600), ' 3d');
  assert.equal(formatAge(40 * 86400), '40d');
});

test('arrival order puts old-form ids by their time', () => {
  const ids = ['1xV7Jh-000000006hH-1Mbj', '0t5C6f-0000c8-00', '1xV7Jh-000000006hF-1HcZ', '1xV7Jh-000000000aa-0000'];
  assert.deepEqual(ids.sort(compareIds), ['0t5C6f-0000c8-00', '1xV7Jh-000000000aa-0000', '1xV7Jh-000000006hF-1HcZ', '1xV7Jh-000000006hH-1Mbj']);
});

test('unreadable messages are listed as Exim lists them; vanished ones are skipped', async (t) => {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-list-'));
  t.after(() => fs.rmSync(spool, { recursive: true, force: true }));
  const input = path.join(spool, 'input');
  fs.mkdirSync(path.join(input, 'Z'), { recursive: true });
  const bad = '1xV7Jh-000000006hF-1HcZ';
  fs.writeFileSync(path.join(input, `${bad}-H`), `${bad}-H\ngarbage\n`);
  // A message in a split subdirectory is found even without split_spool_directory; without -D its size is blank.
  const good = '1xV7Jh-000000006hH-1Mbj';
  fs.copyFileSync(path.join(FIX, 'input', `${good}-H`), path.join(input, 'Z', `${good}-H`));
  fs.writeFileSync(path.join(input, `hdr.${good}`), 'a temporary file is not a message');
  const out = await listQueue({ spoolDir: spool, now });
  assert.equal(out, `      ${bad}\n    *** spool format error: size=34 ***\n\n 0m       ${good} <s@example.org>\n        D done@example.com\n          later@defer.example\n\n`);
  assert.equal(await countQueue(spool), 2);
  assert.equal(await listQueue({ spoolDir: path.join(spool, 'nothing') }), '');
});
