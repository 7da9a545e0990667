// Local submission with rewrite rules against exim4 4.98 (test/fixtures/
// rewrite/local.{conf,json}): recipients and sender rewritten, headers
// qualified (From:/Sender:/Reply-To: with qualify_domain, To:/Cc:/Bcc: with
// qualify_recipient) and rewritten after the local fix-ups, a made-up From:
// rewritten in turn, and the X-rewrote- records where exim4 puts them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/rewrite');
const TERN = path.join(ROOT, 'bin/tern');
const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'local.json'), 'utf8')) as { args: string[]; input: string; expected: string }[];
// recorded as root, a trusted caller (other callers get other fix-ups)
const skip = process.getuid?.() !== 0 && 'needs root, as the recording';

function normalise(h: string): string {
  return h.slice(h.indexOf('XX\n'))
    .replace(/^\d{3}P Received:[\s\S]*?(?=^\d{3}[ *A-Z] )/m, '')
    .replace(/<E1x[^>]*>/g, '<ID>')
    .replace(/^(\d{3}.? ?(?:Resent-)?Date: ).*$/gm, '$1<DATE>');
}

for (const c of cases) {
  test(`local submission ${c.args.join(' ')} ${JSON.stringify(c.input.split('\n')[0])}`, { skip }, () => {
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-rewrite-local-'));
    try {
      const conf = path.join(spool, 'configure');
      fs.writeFileSync(conf, fs.readFileSync(path.join(DIR, 'local.conf'), 'latin1').replaceAll('SPOOL', spool));
      const r = spawnSync(TERN, ['-C', conf, '-odq', ...c.args], { input: c.input, encoding: 'latin1', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const files = fs.readdirSync(path.join(spool, 'input')).filter((f) => f.endsWith('-H'));
      assert.equal(files.length, 1);
      assert.equal(normalise(fs.readFileSync(path.join(spool, 'input', files[0]), 'latin1')), c.expected);
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  });
}
