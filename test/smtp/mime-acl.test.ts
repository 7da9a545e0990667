// acl_smtp_mime through a real `tern -bdf` on loopback, and
// acl_not_smtp_mime through `tern -bm`: a MIME ACL that refuses .exe
// attachments by $mime_filename (swaks --attach), a mime_regex hit in a
// base64 attachment, `decode = default` writing the part into the scan
// directory (there for the DATA ACL, gone afterwards), and the local
// submission's silent refusal. The texts are Exim 4.98's (checked with
// exim4 -bh on the same configuration); TERN_INTEG_PROGRAM=exim4 runs this
// file against Exim itself.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { startDaemon, ternSetup, type TernDaemon } from '../helpers/tern-daemon.ts';
import { swaks } from '../integration/receiving-setup.ts';

const ACLS = `
begin acl

check_mime:
  deny    condition = \${if match{$mime_filename}{\\N(?i)\\.exe$\\N}}
          message = Blocked attachment: $mime_filename
  discard condition = \${if eq{$mime_content_type}{application/x-discard-me}}
  deny    mime_regex = EICAR-STANDARD-ANTIVIRUS-TEST-FILE
          message = Virus found in part $mime_part_count ($regex_match_string)
  warn    condition = \${if eq{$mime_content_type}{text/x-keep}}
          decode = default
          set acl_m_decoded = $mime_decoded_filename
          logwrite = decoded part $mime_part_count of type $mime_content_type size $mime_content_size: \${readfile{$mime_decoded_filename}}
  accept

check_data:
  warn    logwrite = data ACL: parts $mime_part_count decoded file \${if exists{$acl_m_decoded}{still there}{absent}}
  accept
`;

const CONFIG = `
primary_hostname = mx.example.com
queue_only = true
acl_smtp_rcpt = accept
acl_smtp_mime = check_mime
acl_smtp_data = check_data
${ACLS}`;

let d: TernDaemon;
before(async () => {
  d = await startDaemon({ config: CONFIG });
});
after(async () => {
  await d?.stop();
});

function scanEntries(): string[] {
  try {
    return fs.readdirSync(path.join(d.spoolDir, 'scan'));
  } catch {
    return [];
  }
}

test('an .exe attachment is refused during the MIME ACL checks: 550, reject log with the headers, nothing queued', async () => {
  const before = d.spooledIds().length;
  const r = await swaks(d, ['--header', 'Subject: with exe', '--attach-name', 'Evil.EXE', '--attach-type', 'application/octet-stream', '--attach', 'MZ not really a program']);
  assert.ok(r.replies.includes('550 Blocked attachment: Evil.EXE'), r.replies.join('\n'));
  const line = await d.waitForLog(/rejected during MIME ACL checks/, 'reject');
  assert.match(line, /^\S+ \S+ \S+ H=\(client\.example\.net\) \[127\.0\.0\.1\] F=<sender@example\.org> rejected during MIME ACL checks: Blocked attachment: Evil\.EXE$/);
  // the reject log adds the envelope and the header lines with their flags
  assert.match(d.log('reject'), /rejected during MIME ACL checks: Blocked attachment: Evil\.EXE\nEnvelope-from: <sender@example\.org>\nEnvelope-to: <rcpt@example\.com>\nP Received: from /);
  assert.match(d.log('reject'), /^ {2}Subject: with exe$/m);
  assert.equal(d.spooledIds().length, before);
  assert.deepEqual(scanEntries(), []);
});

test('mime_regex matches the decoded (base64) attachment; the first 32K are searched', async () => {
  const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
  const r = await swaks(d, ['--attach-name', 'readme.txt', '--attach-type', 'text/plain', '--attach', eicar]);
  assert.ok(r.replies.includes('550 Virus found in part 2 (EICAR-STANDARD-ANTIVIRUS-TEST-FILE)'), r.replies.join('\n'));
  // the attachment is base64 on the wire: only the decoded text has the pattern
  assert.doesNotMatch(r.stdout, /EICAR-STANDARD-ANTIVIRUS-TEST-FILE!\$H/);
  await d.waitForLog(/rejected during MIME ACL checks: Virus found in part 2/);
});

test('decode = default writes the part into the scan directory, which lasts through the DATA ACL only', async () => {
  const c = await SmtpClient.connect(d.port);
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('EHLO client.example.net')).code, 250);
  assert.equal((await c.command('MAIL FROM:<sender@example.org>')).code, 250);
  assert.equal((await c.command('RCPT TO:<rcpt@example.com>')).code, 250);
  assert.equal((await c.command('DATA')).code, 354);
  c.write([
    'Subject: keep me',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=b="',
    '',
    '--=b=',
    'Content-Type: text/plain',
    '',
    'cover letter',
    '--=b=',
    'Content-Type: TEXT/X-KEEP; name="kept.txt"',
    'Content-Transfer-Encoding: base64',
    '',
    'aGVsbG8gZnJvbSB0aGUg',
    'ZGVjb2RlZCBwYXJ0Cg==',
    '--=b=--',
    '.',
    '',
  ].join('\r\n'));
  const done = await c.reply();
  assert.equal(done?.code, 250, done?.raw);
  const id = /id=(\S+)/.exec(done!.raw)![1];
  await c.command('QUIT');
  const decoded = path.join(d.spoolDir, 'scan', id, `${id}-00000`);
  const line = await d.waitForLog(/decoded part 2 /);
  // the file's line end is logged escaped, as Exim writes a newline in a log line
  assert.ok(line.endsWith(`${id} decoded part 2 of type text/x-keep size 1: hello from the decoded part\\n`), line);
  assert.ok(d.log().includes(`${id} data ACL: parts 2 decoded file still there`), d.log());
  await d.arrivalLine(id);
  assert.equal(fs.existsSync(decoded), false);
  assert.equal(fs.existsSync(path.dirname(decoded)), false);
  assert.deepEqual(d.readMessage(id).header.recipients.map((r) => r.address), ['rcpt@example.com']);
});

test('a message without attachments to refuse is accepted; a message without Content-Type skips the MIME ACL', async () => {
  const ok = await swaks(d, ['--attach-name', 'notes.pdf', '--attach-type', 'application/pdf', '--attach', '%PDF-1.4 not much']);
  assert.ok(ok.id, ok.replies.join('\n'));
  assert.ok(d.log().includes(`${ok.id} data ACL: parts 2 decoded file absent`));
  const plain = await swaks(d, ['--body', 'no MIME here']);
  assert.ok(plain.id, plain.replies.join('\n'));
  assert.ok(d.log().includes(`${plain.id} data ACL: parts -1 decoded file absent`));
});

test('acl_not_smtp_mime: tern -bm refuses silently (status 1, nothing queued, nothing logged) or queues', () => {
  const t = ternSetup({ config: `primary_hostname = mx.example.com\nqualify_domain = mx.example.com\nacl_not_smtp_mime = check_mime\n${ACLS}` });
  try {
    const msg = (name: string): string => [
      'Subject: local', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=XX', '',
      '--XX', 'Content-Type: text/plain', '', 'hi', '--XX',
      `Content-Type: application/octet-stream`, `Content-Disposition: attachment; filename*=UTF-8''${name}`, '', 'data', '--XX--', '',
    ].join('\n');
    const refused = t.tern(['-odq', '-bm', 'someone@example.com'], msg('setup.exe'));
    assert.equal(refused.status, 1, refused.stderr);
    assert.equal(refused.stderr, '');
    assert.deepEqual(t.spooledIds(), []);
    assert.doesNotMatch(t.log(), /<=|rejected/);
    const accepted = t.tern(['-odq', '-bm', 'someone@example.com'], msg('setup%2Etxt'));
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.equal(t.spooledIds().length, 1);
    // a discard: logged as received and blackholed, not kept, and the status says so
    const discarded = t.tern(['-odq', '-t'], 'To: someone@example.com\nSubject: bin\nContent-Type: application/x-discard-me\n\nx\n');
    assert.equal(discarded.status, 1, discarded.stderr);
    assert.equal(t.spooledIds().length, 1);
    const id = /^\S+ \S+ (\S+) => blackhole \(MIME ACL discarded recipients\)$/m.exec(t.log())?.[1];
    assert.ok(id, t.log());
    assert.match(t.log(), new RegExp(`^\\S+ \\S+ ${id} <= \\S+ U=\\S+ P=local S=\\d+\\n\\S+ \\S+ ${id} => blackhole \\(MIME ACL discarded recipients\\)\\n\\S+ \\S+ ${id} Completed$`, 'm'));
    assert.deepEqual(fs.readdirSync(path.join(t.spoolDir, 'scan')), []);
  } finally {
    t.remove();
  }
});

test('batched SMTP (-bS) gets acl_not_smtp_mime: a refusal ends the batch and is logged as during the MIME ACL checks', () => {
  const t = ternSetup({ config: `primary_hostname = mx.example.com\nqualify_domain = mx.example.com\nacl_not_smtp_mime = check_mime\n${ACLS}` });
  try {
    const message = (name: string): string => [
      'MAIL FROM:<sender@example.org>', 'RCPT TO:<someone@example.com>', 'DATA',
      'Subject: batch', 'Content-Type: multipart/mixed; boundary=XX', '',
      '--XX', `Content-Type: application/octet-stream; name="${name}"`, '', 'data', '--XX--', '.', '',
    ].join('\n');
    const r = t.tern(['-bS'], message('fine.txt') + message('tool.exe') + 'QUIT\n');
    assert.notEqual(r.status, 0);
    // (Exim ends this line with CR LF and a blank line: an SMTP reply written into the batch report)
    assert.match(r.stdout, /^550 Blocked attachment: tool\.exe\r?\n/);
    assert.match(t.log(), / U=\S+ F=<sender@example\.org> rejected during MIME ACL checks: Blocked attachment: tool\.exe\n/);
    assert.equal(t.spooledIds().length, 1);
  } finally {
    t.remove();
  }
});
