// -bS (batched SMTP) against Exim 4.98: test/fixtures/smtp/bS/<case>/ holds
// the input and what exim4 -bS wrote (stdout, stderr, exit status, spool
// files, main log), recorded by record.sh there. Ids, times and the
// version are normalised; the test does not need exim4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseEximRun } from '../helpers/normalise-exim.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/smtp/bS');
const TERN = path.join(ROOT, 'bin/tern');

function normalise(text: string): string {
  return normaliseEximRun(text);
}

function spoolDump(spool: string): string {
  let log = '';
  try {
    log = fs.readFileSync(path.join(spool, 'log/mainlog'), 'latin1');
  } catch { /* no log */ }
  let out = '';
  for (const m of log.matchAll(/^\S+ \S+ (\S+) <= /gm)) {
    out += `== ${m[1]}-H\n` + fs.readFileSync(path.join(spool, 'input', `${m[1]}-H`), 'latin1');
    out += `== ${m[1]}-D\n` + fs.readFileSync(path.join(spool, 'input', `${m[1]}-D`), 'latin1');
  }
  return out;
}

for (const name of fs.readdirSync(FIXTURES).filter((n) => fs.statSync(path.join(FIXTURES, n)).isDirectory())) {
  test(`-bS as Exim: ${name}`, () => {
    const dir = path.join(FIXTURES, name);
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bS-'));
    try {
      const conf = path.join(spool, 'configure');
      fs.writeFileSync(conf, fs.readFileSync(path.join(FIXTURES, 'configure'), 'latin1').replaceAll('SPOOL', spool));
      const r = spawnSync(TERN, ['-C', conf, '-bS'], { input: fs.readFileSync(path.join(dir, 'input')), encoding: 'latin1', timeout: 20_000 });
      const want = (f: string) => normalise(fs.readFileSync(path.join(dir, f), 'latin1'));
      assert.equal(r.stdout, want('expected-stdout'));
      assert.equal(r.stderr, want('expected-stderr'));
      assert.equal(String(r.status), want('expected-status').trim());
      assert.equal(normalise(spoolDump(spool)), want('expected-spool'));
      let log = '';
      try {
        log = fs.readFileSync(path.join(spool, 'log/mainlog'), 'latin1');
      } catch { /* none */ }
      assert.equal(normalise(log), want('expected-mainlog'));
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  });
}
