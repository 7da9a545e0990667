// ETRN with smtp_etrn_command: the command runs with $domain set to the
// argument and the client gets 250; without the option tern says it cannot
// start a queue run (no queue runner yet).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tern = path.resolve(import.meta.dirname, '../../../bin/tern');

function session(conf: string, dir: string): string {
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `spool_directory = ${dir}/spool\nlog_file_path = ${dir}/%slog\n${conf}`);
  const r = spawnSync(tern, ['-C', file, '-bs'], { input: 'EHLO client.example\r\nETRN example.org\r\nQUIT\r\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('ETRN runs smtp_etrn_command with $domain and answers 250', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-etrn-'));
  try {
    const out = session(`acl_smtp_etrn = accept\nsmtp_etrn_command = /usr/bin/touch ${dir}/ran-$domain\n`, dir);
    assert.match(out, /^250 OK\r$/m);
    const ran = path.join(dir, 'ran-example.org');
    for (let i = 0; i < 50 && !fs.existsSync(ran); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(ran), 'the ETRN command ran');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ETRN without smtp_etrn_command cannot start a queue run yet', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-etrn-'));
  try {
    assert.match(session('acl_smtp_etrn = accept\n', dir), /^458 Unable to start queue run\r$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
