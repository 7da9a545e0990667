// A redirect router's generated addresses go through the rewrite rules as
// envelope recipients, unless the router says no_rewrite: tern -bt against
// exim4 4.98's output (test/fixtures/rewrite/redirect.{conf,bt}).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/rewrite');

test('redirected addresses are rewritten, except under no_rewrite', () => {
  const r = spawnSync(path.join(ROOT, 'bin/tern'), ['-C', path.join(DIR, 'redirect.conf'), '-bt', 'list@test.example', 'list2@test.example'],
    { encoding: 'latin1', timeout: 30_000 });
  assert.equal(r.stdout + r.stderr, fs.readFileSync(path.join(DIR, 'redirect.bt'), 'latin1'));
  assert.equal(r.status, 0);
});

const btCases = JSON.parse(fs.readFileSync(path.join(DIR, 'bt.json'), 'latin1')) as { flag: string; address: string; stdout: string; stderr: string; rc: number }[];

test('-bt, -bv and -bvs rewrite the address first and say so, as exim4 does', () => {
  for (const c of btCases) {
    const r = spawnSync(path.join(ROOT, 'bin/tern'), ['-C', 'bt.conf', c.flag, c.address], { cwd: DIR, encoding: 'latin1', timeout: 30_000 });
    const label = `${c.flag} ${c.address}`;
    assert.equal(r.stdout, c.stdout, label);
    const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /gm;
    assert.equal(r.stderr.replace(stamp, ''), c.stderr.replace(stamp, ''), label);
    assert.equal(r.status, c.rc, label);
  }
});
