// End-to-end local submission: bin/tern -odq against what Exim 4.98 spooled
// for the same input and arguments (fixtures/exim-local.json, recorded by
// test/receive/fixtures/record.mjs), and the spool reader reading it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseSpool } from '../receive/fixtures/normalise.ts';
import { readHeaderFile, readDataFile } from '../../src/spool/read.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/receive/fixtures');
const scenarios = JSON.parse(fs.readFileSync(path.join(fixtures, 'scenarios.json'), 'utf8')) as { name: string; args: string[]; input: string }[];
const recorded = JSON.parse(fs.readFileSync(path.join(fixtures, 'exim-local.json'), 'utf8')) as Record<string, { rc: number; spool: Record<string, unknown> | null }>;
const isRoot = process.getuid?.() === 0;

let dir: string;
let conf: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-submit-'));
  conf = path.join(dir, 'c.conf');
  fs.writeFileSync(conf, `spool_directory = ${dir}/spool\nqueue_only = true\nprimary_hostname = test.example\nlog_file_path = ${dir}/%slog\n`);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function tern(args: string[], input: string | Buffer): { status: number | null; stderr: string } {
  const r = spawnSync(path.join(root, 'bin/tern'), ['-C', conf, '-odq', ...args], { input });
  return { status: r.status, stderr: r.stderr.toString() };
}

for (const sc of scenarios) {
  // The fixtures were recorded as root (a trusted caller); other callers get other fix-ups.
  test(`local submission like Exim: ${sc.name}`, { skip: !isRoot && 'needs root, as the recording' }, () => {
    fs.rmSync(path.join(dir, 'spool/input'), { recursive: true, force: true });
    const r = tern(sc.args, Buffer.from(sc.input, 'utf8'));
    const want = recorded[sc.name];
    assert.equal(r.status, want.rc, r.stderr);
    const got = normaliseSpool(path.join(dir, 'spool/input'));
    if (want.spool === null) { assert.equal(got, null); return; }
    assert.ok(got, 'a message was spooled');
    const w = want.spool as { items: string[] };
    assert.deepEqual({ ...got, items: [...got.items].sort() }, { ...w, items: [...w.items].sort() });
  });
}

test('a spooled message reads back through the spool reader', () => {
  fs.rmSync(path.join(dir, 'spool/input'), { recursive: true, force: true });
  const r = tern(['-f', 'a@b.c', '-F', 'Someone', 'x@y.z'], 'Subject: back\n\nline 1\nline 2\n');
  assert.equal(r.status, 0, r.stderr);
  const input = path.join(dir, 'spool/input');
  const h = fs.readdirSync(input).find((f) => f.endsWith('-H'))!;
  const m = readHeaderFile(path.join(input, h));
  assert.equal(m.sender, 'a@b.c');
  assert.deepEqual(m.recipients.map((x) => x.address), ['x@y.z']);
  assert.equal(m.bodyLinecount, 2);
  assert.equal(m.receivedProtocol, 'local');
  assert.ok(m.headers.some((x) => x.flag === 'P' && x.text.startsWith('Received: from root by test.example')));
  assert.equal(readDataFile(path.join(input, h.replace(/-H$/, '-D'))).toString(), 'line 1\nline 2\n');
  const log = fs.readFileSync(path.join(dir, 'mainlog'), 'utf8');
  assert.match(log, new RegExp(`${m.id} <= a@b\\.c U=root P=local S=\\d+\\n`));
});

test('errors: no recipients, bad address, all -t recipients removed', () => {
  let r = tern(['-t'], 'Subject: s\n\nb\n');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'exim: no recipients in message\n');
  r = tern(['a@b@c'], 'Subject: s\n\nb\n');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'exim: bad recipient address "a@b@c": malformed address: @c may not follow a@b\n');
  r = tern(['-t', 'x@y'], 'To: x@y\nSubject: s\n\nb\n');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'exim: all -t recipients overridden by command line\n');
});
