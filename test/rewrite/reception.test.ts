// Rewriting at reception, against Exim 4.98: tern -bs takes the same SMTP
// input with the same configuration as exim4 did (test/fixtures/rewrite/
// reception.*), and the -H file's recipients and headers must be Exim's:
// envelope sender and recipients rewritten, each rewritten header kept as a
// "*" line followed by its new version (working part only, or the whole
// item with w; group syntax, comments, folded lines, Resent-From:), and the
// X-rewrote- records of the originals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/rewrite');
const TERN = path.join(ROOT, 'bin/tern');

/** The -H file from "XX" on, without the Received: header (it names times, ids and versions). */
function headerSection(h: string): string {
  return h.slice(h.indexOf('XX\n')).replace(/^\d{3}P Received:[\s\S]*?(?=^\d{3}[ *A-Z] )/m, '');
}

test('a message received over SMTP is rewritten as exim4 rewrote it', () => {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-rewrite-'));
  try {
    const conf = path.join(spool, 'configure');
    fs.writeFileSync(conf, fs.readFileSync(path.join(DIR, 'reception.conf'), 'latin1').replaceAll('SPOOL', spool));
    const r = spawnSync(TERN, ['-C', conf, '-bs', '-oMa', '192.0.2.1'], {
      input: fs.readFileSync(path.join(DIR, 'reception.input')), encoding: 'latin1', timeout: 30_000,
    });
    assert.match(r.stdout, /^250 OK id=/m, r.stderr);
    const files = fs.readdirSync(path.join(spool, 'input')).filter((f) => f.endsWith('-H'));
    assert.equal(files.length, 1);
    const h = fs.readFileSync(path.join(spool, 'input', files[0]), 'latin1');
    assert.equal(headerSection(h), fs.readFileSync(path.join(DIR, 'reception.expected'), 'latin1'));
    // the Received: header names the rewritten sender
    assert.match(h, /\(envelope-from <s@new\.example>\)/);
    assert.match(h, /^<s@new\.example>$/m);
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
});

test('-bh traces each rule tried on the recipients, the sender and the headers, as exim4 -bh does', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-rewrite-bh-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, fs.readFileSync(path.join(DIR, 'reception.conf'), 'latin1').replaceAll('SPOOL', dir));
    const r = spawnSync(TERN, ['-C', conf, '-bh', '192.0.2.1'], {
      input: fs.readFileSync(path.join(DIR, 'reception-bh.input')), encoding: 'latin1', timeout: 30_000,
    });
    const from = r.stderr.indexOf('>>> host in ignore_fromline_hosts?');
    assert.ok(from >= 0, r.stderr);
    const trace = r.stderr.slice(from, r.stderr.indexOf('\nLOG:', from) + 1).split('\n').filter((l) => l.startsWith('>>>'));
    assert.deepEqual(trace, fs.readFileSync(path.join(DIR, 'reception-bh.expected'), 'latin1').split('\n').filter((l) => l !== ''));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('S rules rewrite MAIL and RCPT data before anything else sees it, as exim4 -bh shows', () => {
  const r = spawnSync(TERN, ['-C', path.join(DIR, 'smtp-time.conf'), '-bh', '192.0.2.1'], {
    input: fs.readFileSync(path.join(DIR, 'smtp-time.input')), encoding: 'latin1', timeout: 30_000,
  });
  const stdout = r.stdout.replace(/ESMTP Exim [^\r\n]*/, 'ESMTP Exim').replace(/id=1x[0-9A-Za-z-]+/, 'id=ID');
  assert.equal(stdout, fs.readFileSync(path.join(DIR, 'smtp-time.stdout'), 'latin1'));
  const logs = r.stderr.split('\n').filter((l) => l.startsWith('LOG: ') && !l.includes(' <= '))
    .map((l) => l.replace(/^LOG: 1x[0-9A-Za-z]+-[0-9A-Za-z]+-[0-9A-Za-z]+ /, 'LOG: ID '));
  assert.deepEqual(logs, fs.readFileSync(path.join(DIR, 'smtp-time.log'), 'latin1').split('\n').filter((l) => l !== ''));
});

test('verification rewrites: the sender stays rewritten, a recipient only for its check (exim4 -bh trace)', () => {
  // run where the recording ran: the trace names the configuration as given
  const r = spawnSync(TERN, ['-C', 'verify.conf', '-bh', '192.0.2.1'], {
    cwd: DIR, input: fs.readFileSync(path.join(DIR, 'verify.input')), encoding: 'latin1', timeout: 30_000,
  });
  const lines = r.stderr.split('\n').filter((l) => !l.startsWith('>>> host in'));
  const from = lines.indexOf('>>> using ACL "acl_mail"');
  assert.ok(from >= 0, r.stderr);
  const trace = lines.slice(from).filter((l) => !/^LOG: .* <= /.test(l));
  assert.deepEqual(trace, fs.readFileSync(path.join(DIR, 'verify.trace'), 'latin1').split('\n'));
  assert.match(r.stderr, /<= s@new\.example /);
});

for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
  test(`long rewrites fold, and ${ip}'s unqualified header addresses are qualified as exim4 does`, () => {
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-rewrite-hosts-'));
    try {
      const conf = path.join(spool, 'configure');
      fs.writeFileSync(conf, fs.readFileSync(path.join(DIR, 'hosts.conf'), 'latin1').replaceAll('SPOOL', spool));
      const r = spawnSync(TERN, ['-C', conf, '-bs', '-oMa', ip], { input: fs.readFileSync(path.join(DIR, 'hosts.input')), encoding: 'latin1', timeout: 30_000 });
      assert.match(r.stdout, /^250 OK id=/m, r.stderr);
      const files = fs.readdirSync(path.join(spool, 'input')).filter((f) => f.endsWith('-H'));
      assert.equal(headerSection(fs.readFileSync(path.join(spool, 'input', files[0]), 'latin1')), fs.readFileSync(path.join(DIR, `hosts-${ip}.expected`), 'latin1'));
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  });
}
