// -bh against golden output recorded from Exim 4.98 (exim4 -bh 10.0.0.1):
// test/fixtures/smtp/bh/<case>/{configure,input,expected-stdout}. The
// banner's version and date are normalised.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/smtp/bh');

for (const name of fs.readdirSync(FIXTURES)) {
  test(`-bh replies match Exim's for ${name}`, () => {
    const dir = path.join(FIXTURES, name);
    fs.mkdirSync('/tmp/tern-bh-fixture-spool', { recursive: true });
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', path.join(dir, 'configure'), '-bh', '10.0.0.1'], {
      input: fs.readFileSync(path.join(dir, 'input')),
      encoding: 'latin1',
      timeout: 20_000,
    });
    const statusFile = path.join(dir, 'expected-status');
    assert.equal(r.status, fs.existsSync(statusFile) ? Number(fs.readFileSync(statusFile, 'utf8').trim()) : 0, r.stderr);
    const ids = (t: string) => t.replace(/ id=\S+/g, ' id=ID');
    const got = ids(r.stdout.replace(/\r\n/g, '\n').replace(/^(220 test\.example ESMTP Exim) [^ ]+ .*$/m, '$1 VERSION DATE'));
    const want = ids(fs.readFileSync(path.join(dir, 'expected-stdout'), 'latin1').replace(/\r\n/g, '\n'));
    assert.equal(got, want);
  });
}
