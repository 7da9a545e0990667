// A configuration error in the SMTP testing modes is reported as Exim reports
// it (checked with exim4): "LOG: ..." under -bh, with the time under -bs,
// -bS and -bt; exit 1, never an internal error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('a bad configuration under -bh, -bs, -bS and -bt', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-conf-err-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, 'exim_user = no-such-user-anywhere\n');
    const message = `Exim configuration error in line 1 of ${conf}:\n  user no-such-user-anywhere was not found\n`;
    for (const args of [['-bh', '10.0.0.1'], ['-bs'], ['-bS'], ['-bt', 'a@b.example']]) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, ...args], { input: 'QUIT\r\n', encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1, args.join(' '));
      const expected = args[0] === '-bh' ? `LOG: ${message}` : message;
      assert.equal(r.stderr.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''), expected, args.join(' '));
      if (args[0] !== '-bh') assert.match(r.stderr, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
