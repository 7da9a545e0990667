// -bh's address argument (checked with exim4): "a.b.c.d.port" gives the
// client's port too; something that is no IP address is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function hostCheck(address: string): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bh-addr-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, `spool_directory = ${dir}/spool\nacl_smtp_mail = m\nbegin acl\nm:\n  accept logwrite = P <$sender_host_address> <$sender_host_port>\n`);
    return spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', address], {
      input: 'HELO x\r\nMAIL FROM:<a@b.c>\r\nQUIT\r\n', encoding: 'utf8', timeout: 20_000,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('-bh address.port', () => {
  const r = hostCheck('10.0.0.1.1234');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^LOG: P <10\.0\.0\.1> <1234>$/m);
  assert.match(r.stdout, /^\*\*\*\* SMTP testing session as if from host 10\.0\.0\.1$/m);
  const v6 = hostCheck('::1.25');
  assert.match(v6.stderr, /^LOG: P <::1> <25>$/m);
});

test('-bh with something that is no IP address', () => {
  const r = hostCheck('notanip');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'exim abandoned: "notanip" is not an IP address\n');
});

test('$sender_fullhost and $sender_rcvhost in the connect and MAIL ACLs (as exim4 -bh shows them)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bh-vars-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, [`spool_directory = ${dir}/spool`, 'acl_smtp_connect = c', 'acl_smtp_mail = m', 'begin acl',
      'c:', '  accept logwrite = C <$sender_fullhost> <$sender_rcvhost>',
      'm:', '  accept logwrite = M <$sender_fullhost> <$sender_rcvhost>', ''].join('\n'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', '10.0.0.1.1234'], {
      input: 'HELO x\r\nMAIL FROM:<a@b.c>\r\nQUIT\r\n', encoding: 'utf8', timeout: 20_000,
    });
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('LOG: ')), [
      'LOG: C <[10.0.0.1]> <[10.0.0.1]>',
      'LOG: M <(x) [10.0.0.1]> <[10.0.0.1] (helo=x)>',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
