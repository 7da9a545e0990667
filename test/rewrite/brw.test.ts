// -brw against Exim 4.98: every case of test/fixtures/rewrite/cases.json was
// run through /usr/sbin/exim4 -brw by record.ts (recorded.json keeps its
// standard output and log lines). Most cases run in-process through the
// report function; a few run the tern binary, for the streams and exit codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { rewriteTestEnv, rewriteTestReport } from '../../src/cli/rewrite-test.ts';
import { logLines, type RecordedCase } from './record.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/rewrite');
const TERN = path.join(ROOT, 'bin/tern');
const recorded = JSON.parse(readFileSync(path.join(DIR, 'recorded.json'), 'latin1')) as RecordedCase[];
const macros = new Map([['FIXDIR', DIR]]);

const configs = new Map<string, Config>();
function config(name: string): Config {
  let c = configs.get(name);
  if (!c) {
    c = loadConfig(path.join(DIR, name), macros);
    configs.set(name, c);
  }
  return c;
}

function report(c: RecordedCase): { stdout: string; logs: string[] } {
  const cfg = config(c.config);
  const logs: string[] = [];
  const stdout = rewriteTestReport(c.address, cfg.rewrite, rewriteTestEnv(cfg, (l) => logs.push(l)));
  return { stdout, logs };
}

test('the recording covers every configuration and flag', () => {
  const seen = new Set(recorded.map((c) => c.config));
  for (const name of ['flags.conf', 'patterns.conf', 'process.conf', 'smtp.conf', 'smtp-only.conf', 'none.conf', 'logged.conf']) assert.ok(seen.has(name), name);
  assert.ok(recorded.length >= 100);
});

for (const c of recorded) {
  test(`${c.config} -brw ${JSON.stringify(c.address)}`, () => {
    const got = report(c);
    assert.equal(got.stdout, c.stdout);
    // Exim writes a log line once per place it rewrote for; tern the same
    assert.deepEqual(got.logs, c.logs);
  });
}

test('the tern binary: output on stdout, log lines on stderr, exit code 0', () => {
  for (const [config, address] of [['process.conf', 'er@a'], ['process.conf', 'a@b@c'], ['smtp.conf', 'host!user@x.example'], ['none.conf', 'a@b']]) {
    const want = recorded.find((c) => c.config === config && c.address === address)!;
    const r = spawnSync(TERN, ['-C', path.join(DIR, config), `-DFIXDIR=${DIR}`, '-brw', address], { encoding: 'latin1', timeout: 30_000 });
    assert.equal(r.stdout, want.stdout, `${config} ${address}`);
    assert.deepEqual(logLines(r.stderr), want.logs);
    assert.equal(r.status, want.rc);
  }
});

test('-brw without an address says so on stdout and exits 1, as exim4 does', () => {
  const r = spawnSync(TERN, ['-C', path.join(DIR, 'flags.conf'), '-brw'], { encoding: 'latin1', timeout: 30_000 });
  assert.equal(r.stdout, '-brw needs an address argument\n');
  assert.equal(r.status, 1);
});

test('an S rule whose pattern is not a regular expression is a configuration error, as in exim4', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tern-brw-'));
  const conf = path.join(dir, 'bad-s.conf');
  writeFileSync(conf, 'begin rewrite\nx^y  x@y  S\n');
  const r = spawnSync(TERN, ['-C', conf, '-brw', 'a@b'], { encoding: 'latin1', timeout: 30_000 });
  rmSync(dir, { recursive: true });
  assert.match(r.stderr, /configuration error in line 2 of .*:\n {2}rewrite rule has the S flag but is not a regular expression\n$/);
  assert.equal(r.status, 1);
});
