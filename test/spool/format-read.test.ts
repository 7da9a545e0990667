import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { emptyMessage, type Message } from '../../src/mail/message.ts';
import { formatHeaderFile } from '../../src/spool/format.ts';
import { parseHeaderFile, parseRecipientLine, readDataFile, readHeaderFile, SpoolFormatError } from '../../src/spool/read.ts';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'spool', 'exim-4.98');
const headerFiles = [
  ...fs.readdirSync(path.join(FIX, 'input')).filter((f) => f.endsWith('-H')).map((f) => path.join(FIX, 'input', f)),
  ...fs.readdirSync(path.join(FIX, 'quar', 'input')).filter((f) => f.endsWith('-H')).map((f) => path.join(FIX, 'quar', 'input', f)),
];

test('every -H file Exim 4.98 wrote reads and writes back byte for byte', () => {
  assert.ok(headerFiles.length >= 7);
  for (const f of headerFiles) {
    const msg = readHeaderFile(f);
    assert.deepEqual(formatHeaderFile(msg), fs.readFileSync(f), f);
  }
});

test('SMTP message: envelope, tainted items, ACL variables, DSN, deleted header, 8-bit header', () => {
  const msg = readHeaderFile(path.join(FIX, 'input', '1xV7Ji-000000006ip-2XoZ-H'));
  assert.equal(msg.id, '1xV7Ji-000000006ip-2XoZ');
  assert.deepEqual(msg.owner, { login: 'root', uid: 0, gid: 0 });
  assert.equal(msg.sender, 'snd@example.org');
  assert.equal(msg.heloName, 'client.example');
  assert.deepEqual(msg.taintedItems, ['helo_name']);
  assert.equal(msg.hostAddress, '127.0.0.1');
  assert.equal(typeof msg.hostPort, 'number');
  assert.equal(msg.interfacePort, 2599);
  assert.equal(msg.receivedProtocol, 'esmtp');
  assert.deepEqual(msg.aclC.get('_conn'), { value: 'connected from 127.0.0.1\nsecond line', tainted: false });
  assert.deepEqual(msg.aclM.get('0'), { value: 'rcpt other', tainted: true });
  assert.deepEqual(msg.aclM.get('_tainted'), { value: 'other', tainted: true });
  assert.equal(msg.bodyZerocount, 1);
  assert.equal(msg.deliverFirsttime, true);
  assert.equal(msg.dsnEnvid, 'abc+2Bdef');
  assert.equal(msg.dsnRet, 'HDRS');
  assert.deepEqual(msg.recipients[0], { address: 'rcpt@example.com', orcpt: 'rfc822;orig@example.com', dsnNotify: 'SUCCESS,DELAY' });
  assert.deepEqual(msg.nonRecipients, []);
  assert.ok(msg.otherItems.includes('-tls_resumption A'));
  const removed = msg.headers.find((h) => h.text.startsWith('X-Remove-Me'));
  assert.equal(removed?.flag, '*');
  assert.equal(msg.headers.find((h) => h.text.startsWith('From:'))?.flag, 'F');
  const subject = msg.headers.find((h) => h.text.startsWith('Subject:'))!;
  assert.equal(subject.text, 'Subject: caf\xc3\xa9 8bit\n'); // bytes kept as they are
});

test('local message, partly delivered message, wire-format message', () => {
  const local = readHeaderFile(path.join(FIX, 'input', '1xV7Jh-000000006hF-1HcZ-H'));
  assert.equal(local.ident, 'root');
  assert.equal(local.receivedProtocol, 'local');
  assert.equal(local.bodyLinecount, 2);
  assert.equal(local.hostAddress, undefined);
  const partly = readHeaderFile(path.join(FIX, 'input', '1xV7Jh-000000006hH-1Mbj-H'));
  assert.deepEqual(partly.nonRecipients, ['done@example.com']);
  assert.equal(partly.deliverFirsttime, false);
  const wire = readHeaderFile(path.join(FIX, 'input', '1xV7Ji-000000006iq-3Qm0-H'));
  assert.equal(wire.spoolFileWireformat, true);
  assert.deepEqual(readDataFile(path.join(FIX, 'input', '1xV7Ji-000000006iq-3Qm0-D'), wire.id).toString(), 'line one\r\nline two\r\n');
});

test('all items, and the old 16-character id form', () => {
  for (const id of ['1xV7Gs-000000004Z1-1Z24', '0t5C6f-0000c8-00']) {
    const m = readHeaderFile(path.join(FIX, 'input', `${id}-H`));
    assert.equal(m.id, id);
    assert.equal(m.hostName, 'client.host');
    assert.equal(m.hostAuth, 'plain');
    assert.equal(m.hostAuthPubname, 'PLAIN');
    assert.equal(m.activeHostname, 'act.example');
    assert.equal(m.authId, 'userid');
    assert.equal(m.authSender, 'as@example.org');
    assert.equal(typeof m.frozenAt, 'number');
    assert.ok(m.dontDeliver && m.hostLookupFailed && m.local && m.senderSetUntrusted && m.tlsCertificateVerified && m.smtputf8);
    assert.equal(m.localScan, 'lsdata');
    assert.equal(m.spamScoreInt, '52');
    assert.equal(m.tlsCipher, 'TLS1.3:TLS_AES_256_GCM_SHA384:256');
    assert.equal(m.tlsPeerdn, 'CN=client');
    assert.equal(m.tlsSni, 'sni.example');
    assert.equal(m.tlsOcsp, 2);
    assert.equal(m.dsnRet, 'FULL');
    assert.deepEqual(m.aclM.get('_x'), { value: 'x\ny\nz', tainted: true });
    assert.deepEqual(m.nonRecipients, ['a@example.com', 'b@example.com', 'c@example.com']);
    assert.deepEqual(new Set(m.taintedItems), new Set(['helo_name', 'host_name', 'ident', 'auth_id', 'auth_sender', 'tls_sni']));
  }
});

test('recipient lines: plain, DSN, one_time parent and errors_to, spaces in the address', () => {
  assert.deepEqual(parseRecipientLine('a@b.c'), { address: 'a@b.c' });
  assert.deepEqual(parseRecipientLine('a@b.c rfc822;x@y 10,2  0,-1#3'), { address: 'a@b.c', orcpt: 'rfc822;x@y', dsnNotify: 'NEVER' });
  assert.deepEqual(parseRecipientLine('a@b.c  0,1 err@x.y 7,3#3'), { address: 'a@b.c', errorsTo: 'err@x.y', parent: 3, dsnLastHop: true });
  assert.deepEqual(parseRecipientLine('a@b.c err@x.y 7,0#1'), { address: 'a@b.c', errorsTo: 'err@x.y', parent: 0 });
  assert.deepEqual(parseRecipientLine('"a b"@c.d  0,8  0,-1#3'), { address: '"a b"@c.d', dsnNotify: 'FAILURE' });
});

function sample(): Message {
  const m = emptyMessage('1xV7Gs-000000004Z1-1Z24');
  Object.assign(m, {
    owner: { login: 'mail', uid: 8, gid: 8 }, sender: 'a@example.org', receivedTime: 1795352778, receivedTimeUsec: 5,
    heloName: 'h', hostAddress: '2001:db8::1', hostPort: 25, interfaceAddress: '::1', interfacePort: 587,
    receivedProtocol: 'esmtpsa', authId: 'u', smtputf8: true, dsnEnvid: 'e', dsnRet: 'FULL', bodyLinecount: 3,
  });
  m.aclC.set('0', { value: '', tainted: false });
  m.aclM.set('_q', { value: "it's", tainted: true, quoter: 'pgsql' });
  m.otherItems.push('-max_received_linelength 10', '-some_future_item x');
  m.nonRecipients.push('d@x', 'b@x', 'a@x', 'c@x', 'e@x');
  m.recipients.push({ address: 'a@x' }, { address: 'bé@x', dsnNotify: 'success,failure', orcpt: 'utf-8;bé@x' }, { address: 'c@x', errorsTo: 'e@y', parent: 0 });
  m.headers.push({ flag: 'P', text: 'Received: from x\n\tby y\n' }, { flag: ' ', text: 'Subject: \u00e9t\u00e9 \u2603\n' }, { flag: '*', text: 'X-Old: 1\n' });
  return m;
}

test('a message tern builds survives the round trip; wide characters are written as UTF-8', () => {
  const m = sample();
  const buf = formatHeaderFile(m);
  const text = buf.toString('latin1');
  assert.match(text, /^-host_address \[2001:db8::1\]:25$/m);
  assert.match(text, /^--helo_name h$/m);
  assert.match(text, /^--\(pgsql\)aclm _q 4\nit's\n/m);
  assert.match(text, /^-aclc 0 0\n\n/m);
  assert.match(text, /^YY c@x\nNY a@x\nNN b@x\nNY d@x\nNN e@x\n3\n/m);
  assert.match(text, /^009\* X-Old: 1\n/m);
  assert.match(text, /^019 {2}Subject: \xc3\xa9t\xc3\xa9 \xe2\x98\x83\n/m); // 19 bytes once encoded
  const back = parseHeaderFile(buf);
  // Strings come back as bytes; the wide header therefore reads as its UTF-8 bytes.
  assert.equal(back.headers[1].text, Buffer.from('Subject: \u00e9t\u00e9 \u2603\n', 'utf8').toString('latin1'));
  back.headers[1].text = m.headers[1].text;
  assert.equal(back.recipients[1].address, Buffer.from('bé@x', 'latin1').toString('latin1'));
  m.nonRecipients.sort();
  m.recipients[1].dsnNotify = 'SUCCESS,FAILURE';
  assert.deepEqual(back, { ...m, taintedItems: ['helo_name'] });
  assert.deepEqual(formatHeaderFile(back), buf);
});

test('bad files are format errors naming the problem', () => {
  const bad = (s: string) => () => parseHeaderFile(Buffer.from(s, 'latin1'), 'x-H');
  assert.throws(bad('nonsense'), SpoolFormatError);
  assert.throws(bad('id-H\nroot 0 0\nnobrackets\n1 0\nXX\n0\n\n'), /angle brackets/);
  assert.throws(bad('id-H\nroot 0 0\n<>\n1 0\n-aclc x 10\nabc\nXX\n0\n\n'), SpoolFormatError);
  assert.throws(bad('id-H\nroot 0 0\n<>\n1 0\nXX\n1\na@b\n\n020  Subject: short\n'), /truncated header/);
  assert.throws(bad('id-H\nroot 0 0\n<>\n1 0\nYY a\nNN b\n'), SpoolFormatError);
  assert.throws(() => readDataFile(path.join(FIX, 'input', '1xV7Ji-000000006iq-3Qm0-H')), /first line/);
});
