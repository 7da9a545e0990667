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
