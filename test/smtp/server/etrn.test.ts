// ETRN with smtp_etrn_command: the command is split like a pipe command, its
// arguments expanded with $domain set to the ETRN argument; a tainted argument
// is refused (458 Internal failure, as Exim 4.98), otherwise it runs and the
// client gets 250. smtp_etrn_serialize holds each argument until its command
// ends. Without the option tern says it cannot start a queue run (no queue
// runner yet).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tern = path.resolve(import.meta.dirname, '../../../bin/tern');

function session(conf: string, dir: string, commands = ['ETRN example.org']): string {
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `spool_directory = ${dir}/spool\nlog_file_path = ${dir}/%slog\n${conf}`);
  const input = ['EHLO client.example', ...commands, 'QUIT', ''].join('\r\n');
  const r = spawnSync(tern, ['-C', file, '-bs'], { input, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('ETRN runs smtp_etrn_command (untainted arguments, quotes grouping) and answers 250', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-etrn-'));
  try {
    // the ETRN argument reaches the command only through a value Exim trusts: here a comparison's literal
    const out = session(`acl_smtp_etrn = accept\nsmtp_etrn_command = /bin/sh -c "touch '${dir}/ran-\${if eq{$domain}{example.org}{example.org}{other}}'"\n`, dir);
    assert.match(out, /^250 OK\r$/m);
    const ran = path.join(dir, 'ran-example.org');
    for (let i = 0; i < 50 && !fs.existsSync(ran); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(ran), 'the ETRN command ran');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ETRN: a command argument made from the tainted ETRN argument is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-etrn-'));
  try {
    const out = session(`acl_smtp_etrn = accept\nsmtp_etrn_command = /usr/bin/touch ${dir}/ran-$domain\n`, dir);
    assert.match(out, /^458 Internal failure\r$/m);
    assert.match(fs.readFileSync(path.join(dir, 'mainlog'), 'utf8'),
      new RegExp(`failed to set up ETRN command: Tainted arg 1 for ETRN processing command: '${dir}/ran-example.org'`));
    assert.ok(!fs.existsSync(path.join(dir, 'ran-example.org')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('smtp_etrn_serialize: a second ETRN for the same argument waits for the first command to end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-etrn-'));
  try {
    const conf = `acl_smtp_etrn = accept\nsmtp_etrn_command = /bin/sleep 1\n`;
    const out = session(conf, dir, ['ETRN #a.example', 'ETRN #a.example', 'ETRN #b.example']);
    assert.deepEqual(out.split('\r\n').filter((l) => /^(250|458) /.test(l)).slice(1),
      ['250 OK', '458 Already processing #a.example', '250 OK']);
    // the -bs process stayed until its commands ended and dropped their records
    assert.match(session(conf, dir, ['ETRN #a.example']), /^250 OK\r$/m);
    // no_smtp_etrn_serialize: no records at all
    const free = session(`no_smtp_etrn_serialize\n${conf}`, dir, ['ETRN #a.example', 'ETRN #a.example']);
    assert.equal(free.split('\r\n').filter((l) => l === '250 OK').length, 2);
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
