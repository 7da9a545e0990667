// -bh prints Exim's trace: for every fixture of test/fixtures/smtp/bh with an
// expected-stderr (recorded with `exim4 -C configure -bh 10.0.0.1 < input`,
// and its exit code in expected-status where it is not 0),
// tern's stdout and stderr must equal Exim's once the things that change from
// run to run are normalised (banner version and date, message ids, the
// configuration's path). For the ACL golden sessions of test/acl (recorded the
// same way), every ">>>" trace line must equal Exim's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIM_VERSION } from '../../src/expand/variables.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/**
 * The fixtures come from Exim 4.98.2, whose Received: header names its
 * version; tern names EXIM_VERSION, so the S= of an arrival line differs by
 * the difference in length.
 */
const RECORDED_VERSION = '4.98.2';

function withOurVersionSize(text: string): string {
  const delta = RECORDED_VERSION.length - EXIM_VERSION.length;
  return text.replace(/^(LOG: \S+ <= .* S=)(\d+)/gm, (_m, head: string, n: string) => `${head}${Number(n) - delta}`);
}

const FIXTURES = path.join(ROOT, 'test/fixtures/smtp/bh');
const GOLDEN = path.join(ROOT, 'test/acl/fixtures/golden');

/** Sessions whose output still differs from Exim's for reasons outside list/ACL tracing (reported, not hidden). */
function runTern(configFile: string, ip: string, input: string | Buffer, status = 0): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', configFile, '-bh', ip], { input, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, status, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

function normalise(text: string, configFile: string): string {
  return text
    .replaceAll(configFile, 'CONF')
    .replace(/\r\n/g, '\n')
    .replace(/^(220 \S+ ESMTP Exim) \S+ .*$/m, '$1 VERSION DATE')
    .replace(/\b[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}\b/g, 'MESSAGE-ID');
}

for (const name of fs.readdirSync(FIXTURES)) {
  const dir = path.join(FIXTURES, name);
  if (!fs.existsSync(path.join(dir, 'expected-stderr'))) continue;
  test(`-bh output is Exim's for ${name}`, () => {
    fs.mkdirSync('/tmp/tern-bh-fixture-spool', { recursive: true });
    const configFile = path.join(dir, 'configure');
    // Exim's exit code, where the fixture recorded one (1 when the session died of a fatal error)
    const statusFile = path.join(dir, 'expected-status');
    const status = fs.existsSync(statusFile) ? Number(fs.readFileSync(statusFile, 'utf8').trim()) : 0;
    const got = runTern(configFile, '10.0.0.1', fs.readFileSync(path.join(dir, 'input')), status);
    const want = (f: string): string => normalise(fs.readFileSync(path.join(dir, f), 'utf8'), configFile);
    // (a configuration without a Received: header has no version in its messages)
    const received = !/^received_header_text\s*=\s*$/m.test(fs.readFileSync(configFile, 'utf8'));
    assert.equal(normalise(got.stderr, configFile), received ? withOurVersionSize(want('expected-stderr')) : want('expected-stderr'), 'stderr');
    assert.equal(normalise(got.stdout, configFile), want('expected-stdout'), 'stdout');
  });
}

interface Golden {
  conf: string;
  script: string;
  stdout: string;
  stderr: string;
}

for (const file of fs.readdirSync(GOLDEN).filter((f) => f.endsWith('.json'))) {
  test(`-bh trace lines are Exim's for the ACL golden ${file}`, () => {
    const fx = JSON.parse(fs.readFileSync(path.join(GOLDEN, file), 'utf8')) as Golden;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bh-trace-'));
    try {
      const spool = path.join(dir, 'spool');
      fs.mkdirSync(spool);
      const configFile = path.join(dir, 'configure');
      fs.writeFileSync(configFile, fx.conf.replaceAll('SPOOL', spool));
      const ip = /as if from host (\S+)/.exec(fx.stdout)?.[1] ?? '192.0.2.1';
      const got = runTern(configFile, ip, fx.script);
      const traceLines = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('>>>'));
      assert.deepEqual(traceLines(normalise(got.stderr, configFile)), traceLines(fx.stderr));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
