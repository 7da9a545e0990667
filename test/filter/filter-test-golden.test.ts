// -bf / -bF output against golden files recorded from Exim 4.98
// (test/fixtures/filter/record.sh): each case folder holds a filter file, a
// message, optionally the testing flag and further arguments ("args"), and
// Exim's stdout followed by its exit code ("expected"); with -v, also the
// condition trace Exim writes to stderr ("expected-stderr").

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/main.ts');
const FIXTURES = path.join(ROOT, 'test/fixtures/filter');

/** Lines that differ from run to run (message ids, dates) are not part of any golden case. */
function runTern(dir: string): { stdout: string; stderr: string } {
  const argsFile = path.join(dir, 'args');
  const words = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'utf8').trim().split(/\s+/) : ['-bf'];
  const [flag, ...extra] = words;
  const r = spawnSync(process.execPath, [MAIN, '-C', path.join(FIXTURES, 'exim.conf'), flag, 'filter',
    '-f', 's@x.example', '-bfl', 'user', '-bfd', 'test.example', ...extra], {
    cwd: dir, input: fs.readFileSync(path.join(dir, 'message')), timeout: 20_000,
  });
  return { stdout: `${r.stdout.toString('latin1')}rc=${r.status}\n`, stderr: r.stderr.toString('latin1') };
}

const cases = fs.readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(FIXTURES, d.name, 'message'))).map((d) => d.name).sort();

describe('-bf/-bF golden outputs from Exim 4.98', () => {
  it('has cases', () => assert.ok(cases.length >= 20));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(FIXTURES, name);
      const expected = fs.readFileSync(path.join(dir, 'expected'), 'latin1');
      const r = runTern(dir);
      assert.equal(r.stdout, expected);
      // What Exim wrote to stderr (the -v condition trace, complaints), when anything.
      const stderrFile = path.join(dir, 'expected-stderr');
      if (fs.existsSync(stderrFile)) assert.equal(r.stderr, fs.readFileSync(stderrFile, 'latin1'));
    });
  }
});
