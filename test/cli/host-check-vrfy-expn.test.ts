// -bh VRFY/EXPN (fixture test/fixtures/smtp/bh/vrfy-expn, recorded with
// `exim4 -C configure -bh 10.0.0.1 < input`): the replies are checked by
// host-check.test.ts; here the LOG: lines and the routing trace's landmarks
// must be Exim's (exim-stderr). The routers' list-matching detail is not
// compared: that trace belongs to src/routers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/smtp/bh/vrfy-expn');

test('-bh VRFY/EXPN log lines and routing landmarks are Exim\'s', () => {
  fs.mkdirSync('/tmp/tern-bh-fixture-spool', { recursive: true });
  const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', path.join(DIR, 'configure'), '-bh', '10.0.0.1'], {
    input: fs.readFileSync(path.join(DIR, 'input')),
    encoding: 'latin1',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const landmarks = (t: string): string[] => t.split('\n').filter((l) =>
    l.startsWith('LOG:') || /^>>> (using ACL|end of ACL|>{35}$|routing |no more routers)/.test(l));
  assert.deepEqual(landmarks(r.stderr), landmarks(fs.readFileSync(path.join(DIR, 'exim-stderr'), 'latin1')));
});
