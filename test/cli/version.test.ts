import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, DEFAULT_CONFIG_NAME } from '../../src/config/index.ts';
import { unimplementedSettings } from '../../src/cli/version.ts';
import { writeFiles } from '../config/helpers.ts';

const tern = path.resolve(import.meta.dirname, '../../bin/tern');
const fixtures = path.resolve(import.meta.dirname, '../fixtures/config');
/** The operators' configurations live in shared/, beside the checkout. */
const sharedCheck = path.resolve(import.meta.dirname, '../../../shared/configs/check.sh');

function run(args: string[]) {
  return spawnSync(tern, args, { encoding: 'utf8', env: { ...process.env, TERN_DATA_DIR: '/tmp/tern-test-data' } });
}

test('-bV with a good configuration: Exim layout, config file line, exit 0', () => {
  const r = run(['-C', path.join(fixtures, 'exim-default.conf'), '-bV']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^tern version \d+\.\d+\.\d+ \(Exim 4\.99 compatible\) #1 built \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d$/);
  for (const head of ['Support for: ', 'Lookups (built-in): ', 'Authenticators: ', 'Routers: ', 'Transports: ', 'Fixed never_users: ', 'Configure owner: ', 'Size of off_t: ']) {
    assert.ok(lines.some((l) => l.startsWith(head)), head);
  }
  assert.equal(lines.at(-2), `Configuration file is ${path.join(fixtures, 'exim-default.conf')}`);
  // Routers are not implemented yet; ACL options are, so they are not named.
  assert.match(r.stderr, /warning: configuration sets options tern does not implement yet .*dnslookup\.transport/);
  assert.doesNotMatch(r.stderr, /acl_smtp_rcpt/);
});

test('-bV with a bad configuration: Exim\'s error on stderr, exit 1', () => {
  const dir = writeFiles({ 'bad.conf': 'primary_hostname = x\n\nfoo = 1\n' });
  const r = run(['-C', path.join(dir, 'bad.conf'), '-bV']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d Exim configuration error in line 3 of ${path.join(dir, 'bad.conf')}:\n  main option "foo" unknown\n$`));
  assert.doesNotMatch(r.stdout, /Configuration file is/);
});

test('-bV honours -D macros, -bP reads options', () => {
  const dir = writeFiles({ 'm.conf': '.ifdef WANT\nprimary_hostname = WANT\n.else\nbad = 1\n.endif\n' });
  assert.equal(run(['-C', path.join(dir, 'm.conf'), '-bV']).status, 1);
  assert.equal(run(['-C', path.join(dir, 'm.conf'), '-DWANT=h.example', '-bV']).status, 0);
  const p = run(['-C', path.join(dir, 'm.conf'), '-DWANT=h.example', '-bP', 'primary_hostname', 'nosuch']);
  assert.equal(p.stdout, 'primary_hostname = h.example\nnosuch is not a known option\n');
  assert.equal(p.status, 1);
});

test('the built-in default configuration and the fixture configurations load', () => {
  const d = loadConfig(DEFAULT_CONFIG_NAME, new Map([['TERN_DATA_DIR', '/srv/tern']]));
  assert.deepEqual(d.getOption('daemon_smtp_ports'), { kind: 'string', value: '2525' });
  assert.deepEqual(d.getOption('spool_directory'), { kind: 'string', value: '/srv/tern/spool' });
  assert.deepEqual(d.routers.map((r) => r.name), ['dnslookup', 'localuser']);
  for (const f of ['exim-default.conf', 'debian-template.conf']) {
    const c = loadConfig(path.join(fixtures, f), new Map());
    assert.ok(c.routers.length > 0 && c.transports.length > 0, f);
    assert.ok(unimplementedSettings(c).length > 0);
  }
});

test('every configuration the shared corpus marks as accepted loads', { skip: !fs.existsSync(sharedCheck) }, () => {
  const r = spawnSync(sharedCheck, { encoding: 'utf8', env: { ...process.env, MTA: tern } });
  assert.match(r.stdout, /18 passed, 0 failed/);
});
