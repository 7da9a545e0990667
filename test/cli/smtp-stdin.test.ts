// -bs end to end: the real bin/tern takes whole messages over SMTP on
// stdin and queues them. Replies, -H/-D files and the <= lines are compared
// with what Exim 4.98 produced for the same input and configuration
// (test/fixtures/smtp/bs/<case>/, recorded by record.sh there), after
// normalising ids, times and the version string. The spool is also read
// back with src/spool/read.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readHeaderFile, readDataFile } from '../../src/spool/read.ts';
import { decodeBase62 } from '../../src/spool/message-id.ts';
import { normaliseEximRun } from '../helpers/normalise-exim.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/smtp/bs');
const TERN = path.join(ROOT, 'bin/tern');

function normalise(text: string): string {
  return normaliseEximRun(text).replace(/\r\n/g, '\n');
}

function runBs(input: Buffer, configure = path.join(FIXTURES, 'configure'), args: string[] = []): { stdout: string; spool: string; status: number | null; stderr: string } {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bs-'));
  const conf = path.join(spool, 'configure');
  fs.writeFileSync(conf, fs.readFileSync(configure, 'latin1').replaceAll('SPOOL', spool));
  const r = spawnSync(TERN, ['-C', conf, '-bs', ...args], { input, encoding: 'latin1', timeout: 20_000 });
  return { stdout: r.stdout, spool, status: r.status, stderr: r.stderr };
}

/** The message logs in mainlog order, as record.sh writes them. */
function msglogDump(spool: string): string {
  const log = fs.readFileSync(path.join(spool, 'log/mainlog'), 'latin1');
  let out = '';
  for (const m of log.matchAll(/^\S+ \S+ (\S+) [<(]= /gm)) out += `== ${m[1]}\n` + fs.readFileSync(path.join(spool, 'msglog', m[1]), 'latin1');
  return out;
}

/** The -H and -D files of the messages in mainlog order, as record.sh writes them. */
function spoolDump(spool: string): string {
  const log = fs.readFileSync(path.join(spool, 'log/mainlog'), 'latin1');
  let out = '';
  for (const m of log.matchAll(/^\S+ \S+ (\S+) [<(]= /gm)) {
    const id = m[1];
    out += `== ${id}-H\n` + fs.readFileSync(path.join(spool, 'input', `${id}-H`), 'latin1');
    out += `== ${id}-D\n` + fs.readFileSync(path.join(spool, 'input', `${id}-D`), 'latin1');
  }
  return out;
}

for (const name of fs.readdirSync(FIXTURES).filter((n) => fs.statSync(path.join(FIXTURES, n)).isDirectory())) {
  test(`-bs queues messages as Exim does: ${name}`, () => {
    const dir = path.join(FIXTURES, name);
    const own = path.join(dir, 'configure');
    const argsFile = path.join(dir, 'args');
    const args = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'latin1').trim().split(/\s+/) : [];
    const r = runBs(fs.readFileSync(path.join(dir, 'input')), fs.existsSync(own) ? own : undefined, args);
    try {
      assert.equal(r.status, 0, r.stderr);
      const want = (f: string) => normalise(fs.readFileSync(path.join(dir, f), 'latin1'));
      assert.equal(normalise(r.stdout), want('expected-stdout'));
      assert.equal(normalise(spoolDump(r.spool)), want('expected-spool'));
      assert.equal(normalise(fs.readFileSync(path.join(r.spool, 'log/mainlog'), 'latin1')), want('expected-mainlog'));
      if (fs.existsSync(path.join(dir, 'expected-msglog'))) assert.equal(normalise(msglogDump(r.spool)), want('expected-msglog'));
    } finally {
      fs.rmSync(r.spool, { recursive: true, force: true });
    }
  });
}

test('-bs: the spool reader sees the envelope, the Received: header and the body', () => {
  const input = Buffer.from('EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@test.example>\r\n' +
    'RCPT TO:<y@test.example>\r\nDATA\r\nSubject: hi\r\n\r\nline one\r\n..dotted\r\n.\r\nQUIT\r\n');
  const r = runBs(input);
  try {
    assert.equal(r.status, 0, r.stderr);
    const id = /250 OK id=(\S+)/.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    const msg = readHeaderFile(path.join(r.spool, 'input', `${id}-H`));
    assert.equal(msg.sender, 'a@b.example');
    assert.deepEqual(msg.recipients.map((x) => x.address), ['x@test.example', 'y@test.example']);
    assert.equal(msg.heloName, 'client.example');
    assert.equal(msg.receivedProtocol, 'local-esmtp');
    // the arrival time to the microsecond: the instant the id encodes
    assert.equal(msg.receivedTimeUsec, decodeBase62(id.slice(-4)));
    assert.equal(msg.receivedTime, decodeBase62(id.slice(0, 6)));
    assert.match(fs.readFileSync(path.join(r.spool, 'msglog', id), 'latin1'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Received from a@b\.example U=root P=local-esmtp S=\d+\n$/);
    const received = msg.headers.find((h) => h.text.startsWith('Received:'));
    assert.ok(received && received.flag === 'P');
    assert.match(received.text, new RegExp(`^Received: from root \\(helo=client\\.example\\)\\n\\tby test\\.example with local-esmtp .*\\n\\t\\(envelope-from <a@b\\.example>\\)\\n\\tid ${id}`));
    assert.equal(readDataFile(path.join(r.spool, 'input', `${id}-D`), id).toString('latin1'), 'line one\n.dotted\n');
    const log = fs.readFileSync(path.join(r.spool, 'log/mainlog'), 'latin1');
    assert.match(log, new RegExp(`^\\S+ \\S+ ${id} <= a@b\\.example U=root P=local-esmtp S=\\d+\\n$`));
  } finally {
    fs.rmSync(r.spool, { recursive: true, force: true });
  }
});

test('-bs: message_logs = false writes no message log', () => {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bs-conf-'));
  const conf = path.join(spool, 'configure');
  fs.writeFileSync(conf, fs.readFileSync(path.join(FIXTURES, 'configure'), 'latin1').replace('queue_only', 'queue_only\nmessage_logs = false'));
  const input = Buffer.from('HELO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n\r\nbody\r\n.\r\nQUIT\r\n');
  const r = runBs(input, conf);
  try {
    assert.match(r.stdout, /250 OK id=/);
    assert.deepEqual(fs.existsSync(path.join(r.spool, 'msglog')) ? fs.readdirSync(path.join(r.spool, 'msglog')) : [], []);
  } finally {
    fs.rmSync(r.spool, { recursive: true, force: true });
    fs.rmSync(spool, { recursive: true, force: true });
  }
});
