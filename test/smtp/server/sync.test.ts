// Exim's synchronisation checks and the replies around them, through a real
// `tern -bdf` on loopback (found by the SMTP fuzz, test/smtp/server/fuzz.test.ts).
// Every expectation here was recorded from Debian's exim4 -bdf with the same
// configuration; TERN_INTEG_PROGRAM=exim4 runs this file against Exim.
//
// The model: while PIPECONNECT is acceptable (the client is in
// pipelining_connect_advertise_hosts and has sent no DATA or BDAT yet)
// commands are read without a check; after that HELO, EHLO, DATA, VRFY,
// EXPN, NOOP, ETRN, STARTTLS and unknown commands must end what the client
// sent, MAIL, RCPT and RSET too when PIPELINING was not advertised, and BDAT,
// AUTH, QUIT and HELP never. Exim also checks again after the HELO, MAIL,
// RCPT and predata ACLs. The last tests are about MAIL and RCPT parameters
// and addresses, also found by the fuzz.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { testCerts } from '../../helpers/certs.ts';
import { SmtpClient } from '../../helpers/smtp-client.ts';
import { startDaemon, type TernDaemon } from '../../helpers/tern-daemon.ts';
import { plainAuthenticator } from '../../helpers/authenticators.ts';

const certs = testCerts();
const CONFIG = `
tls_certificate = ${certs.serverCert}
tls_privatekey = ${certs.serverKey}
primary_hostname = test.example
qualify_domain = test.example
queue_only
smtp_max_synprot_errors = 3
chunking_advertise_hosts = *
dsn_advertise_hosts = *
acl_smtp_mail = c_mail
acl_smtp_rcpt = c_rcpt
acl_smtp_predata = c_predata

begin acl

c_mail:
  deny    senders = *@reject.example
          message = sender refused
  accept

c_rcpt:
  deny    local_parts = reject
  defer   local_parts = defer
  accept

c_predata:
  deny    condition = \${if eq{$sender_address}{nopredata@b.example}}
  accept

begin authenticators

${plainAuthenticator('user', 'secret')}`;

let d: TernDaemon;
before(async () => {
  d = await startDaemon({ config: CONFIG });
});
after(async () => {
  await d.stop();
});

/** Write each group in one go; collect the replies (raw) until the line is quiet or closed. */
async function session(groups: string[], opts: { tls?: boolean } = {}): Promise<string[]> {
  const c = await SmtpClient.connect(d.port);
  const out: string[] = [];
  const drain = async (): Promise<void> => {
    for (;;) {
      let r;
      try {
        r = await c.reply(400);
      } catch {
        return; // quiet
      }
      if (!r) { out.push('(closed)'); return; }
      // the banner and EHLO's list are not what these tests are about
      out.push(r.code === 220 && !out.length ? '220' : r.lines.length > 1 && r.code === 250 && r.lines.includes('HELP') ? '250 EHLO' : r.raw);
    }
  };
  await drain();
  if (opts.tls) {
    out.push((await c.command('EHLO x')).code === 250 ? '250 EHLO' : 'EHLO failed');
    out.push((await c.command('STARTTLS')).raw);
    await c.startTls(fs.readFileSync(certs.caCert));
  }
  for (const g of groups) {
    if (c.closed) break;
    c.write(Buffer.from(g.replace(/\n/g, '\r\n'), 'latin1'));
    await drain();
  }
  c.close();
  return out;
}

const SEND = 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\nDATA\n';
const MESSAGE = 'Subject: x\n\nhi\n.\n';

test('before the first DATA nothing is checked as it is read (PIPECONNECT); after it, ETRN, unknown commands and STARTTLS are', async () => {
  assert.deepEqual(await session(['EHLO x\nNOOP\n', 'ETRN x\nNOOP\n', 'FOO\nNOOP\n', 'QUIT\n']),
    ['220', '250 EHLO', '250 OK', '458 Administrative prohibition', '250 OK', '500 unrecognized command', '250 OK',
      '221 test.example closing connection', '(closed)']);
  for (const late of ['ETRN x\nNOOP\n', 'FOO\nNOOP\n', 'STARTTLS\nNOOP\n', 'EHLO y\nNOOP\n']) {
    const got = await session(['EHLO x\n', SEND, MESSAGE, late]);
    assert.deepEqual(got.slice(-2), ['554 SMTP synchronization error', '(closed)'], late);
  }
});

test('HELP, AUTH and RSET may be pipelined after a message when PIPELINING was advertised', async () => {
  const got = await session(['EHLO x\n', SEND, MESSAGE, 'HELP\nNOOP\n', 'AUTH PLAIN AHVzZXIAc2VjcmV0\nNOOP\n', 'RSET\nNOOP\n', 'QUIT\n']);
  assert.deepEqual(got.slice(6), [
    '214-Commands supported:\n214 AUTH STARTTLS HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT RSET HELP', '250 OK',
    '235 Authentication succeeded', '250 OK', '250 Reset OK', '250 OK', '221 test.example closing connection', '(closed)']);
});

test('DATA with the message in the same packet: refused after the predata ACL, nothing queued', async () => {
  const before = d.spooledIds();
  const got = await session(['EHLO x\n', SEND + MESSAGE]);
  assert.deepEqual(got, ['220', '250 EHLO', '250 OK', '250 Accepted', '554 SMTP synchronization error', '(closed)']);
  assert.deepEqual(d.spooledIds(), before);
});

test('PIPECONNECT is no longer offered once DATA was tried', async () => {
  const c = await SmtpClient.connect(d.port);
  await c.reply();
  assert.ok((await c.command('EHLO x')).lines.includes('PIPECONNECT'));
  await c.command('MAIL FROM:<a@b.example>');
  assert.equal((await c.command('DATA')).raw, '503 valid RCPT command must precede DATA');
  assert.ok(!(await c.command('EHLO x')).lines.includes('PIPECONNECT'));
  c.close();
});

test('HELO: MAIL pipelined with RCPT is refused after the MAIL ACL', async () => {
  assert.deepEqual(await session(['HELO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\n']),
    ['220', '250 test.example Hello x [127.0.0.1]', '554 SMTP synchronization error', '(closed)']);
});

test('BDAT when CHUNKING was not advertised: 503, and the chunk is read as commands', async () => {
  assert.deepEqual(await session(['HELO x\n', 'BDAT 3\nabcNOOP\n']),
    ['220', '250 test.example Hello x [127.0.0.1]', '503 BDAT command used when CHUNKING not advertised', '500 unrecognized command']);
});

test('BDAT: anything but LAST (any case) after the size makes a chunk that is not the last', async () => {
  const got = await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\nBDAT 3 FIRST\nabc', 'BDAT 3 LAST extra\nabc', 'BDAT 0 last\n']);
  assert.deepEqual(got.slice(2, 6), ['250 OK', '250 Accepted', '250 3 byte chunk received', '250 3 byte chunk received']);
  assert.match(got[6], /^250- 0 byte chunk, total 9\n250 OK id=/);
});

test('BDAT does not run the predata ACL', async () => {
  const got = await session(['EHLO x\n', 'MAIL FROM:<nopredata@b.example>\nRCPT TO:<x@test.example>\nBDAT 4 LAST\nab\n']);
  assert.match(got[got.length - 1], /^250- 4 byte chunk, total \d+\n250 OK id=/);
  // DATA does
  const data = await session(['EHLO x\n', 'MAIL FROM:<nopredata@b.example>\n', 'RCPT TO:<x@test.example>\n', 'DATA\n']);
  assert.equal(data[data.length - 1], '550 Administrative prohibition');
});

test('DATA without recipients repeats the answer every RCPT got, whatever it was', async () => {
  const got = await session(['EHLO x\n', 'RCPT TO:<x@test.example>\nDATA\n',
    'MAIL FROM:<a@b.example>\nRCPT TO:<reject@test.example>\nRCPT TO:<defer@test.example>\nDATA\n',
    'RSET\nMAIL FROM:<a@b.example>\nRCPT TO:<defer@test.example>\nDATA\n']);
  assert.deepEqual(got.slice(2), [
    '503 sender not yet given',
    // the RCPT was a protocol error, not a valid RCPT: "valid" in lower case
    '503-All RCPT commands were rejected with this error:\n503-503 sender not yet given\n503 valid RCPT command must precede DATA',
    '250 OK', '550 Administrative prohibition', '451 Temporary local problem - please try later',
    '503 Valid RCPT command must precede DATA',
    '250 Reset OK', '250 OK', '451 Temporary local problem - please try later',
    '503-All RCPT commands were rejected with this error:\n503-Temporary local problem - please try later\n503 Valid RCPT command must precede DATA',
  ]);
});

test('RCPTs pipelined after a refused MAIL are no protocol errors (smtp_max_synprot_errors = 3)', async () => {
  const rcpts = ['x', 'y', 'z', 'w', 'v'].map((l) => `RCPT TO:<${l}@test.example>\n`).join('');
  const got = await session(['EHLO x\n', `MAIL FROM:<a@reject.example>\n${rcpts}DATA\n`, 'NOOP\n']);
  assert.deepEqual(got.slice(2), ['550 sender refused', ...Array(5).fill('503 sender not yet given'),
    '503-All RCPT commands were rejected with this error:\n503-503 sender not yet given\n503 Valid RCPT command must precede DATA', '250 OK']);
  assert.doesNotMatch(d.log('main'), /SMTP protocol error in "RCPT TO:<[xyzwv]@test.example>"/);
});

test('commands as Exim recognises them: "MAIL FROM:" and "RCPT TO:" exactly, a name then a space; empty operands', async () => {
  // (smtp_max_synprot_errors = 3: the fourth error ends a session, in Exim as here)
  assert.deepEqual((await session(['EHLO x\n', 'MAIL TO:<a@b.example>\n', 'MAIL  FROM:<a@b.example>\n', 'NOOP\tx\n', 'MAIL FROM:\n'])).slice(2),
    ['500 unrecognized command', '500 unrecognized command', '500 unrecognized command',
      '501-MAIL must have an address operand\n501 Too many syntax or protocol errors', '(closed)']);
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\n', 'RCPT FROM:<x@test.example>\n', 'RCPT TO:\n', 'rcpt to:<x@test.example>\n'])).slice(2),
    ['250 OK', '500 unrecognized command', '501 RCPT must have an address operand', '250 Accepted']);
});

test('MAIL parameters as Exim reads them: last first, an empty value ends the scan, AUTH must be xtext, ENVID is not checked', async () => {
  // (at most 3 errors a session: smtp_max_synprot_errors = 3)
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example> ENVID=a+ZZ\n', 'RSET\n', 'MAIL FROM:<a@b.example> AUTH=a+ZZ\n',
    'MAIL FROM:<a@b.example> AUTH=a+2b\n', 'RSET\n', 'MAIL FROM:<a@b.example> RET=bogus RET=FULL\n'])).slice(2),
  ['250 OK', '250 Reset OK', '501 invalid data for AUTH', '250 OK', '250 Reset OK', '501 RET can be specified once only']);
  // the empty RET= is dropped and the scan ends: BODY=7BIT is left to the address parser
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example> BODY=7BIT RET=\n', 'MAIL FROM:<a@b.example> BODY=\n'])).slice(2),
    ['501 <a@b.example> BODY=7BIT: malformed address: BODY=7BIT may not follow <a@b.example> ', '250 OK']);
});

test('RCPT parameters: NOTIFY and ORCPT once only, an empty NOTIFY asks for nothing; domain literals refused by default', async () => {
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\n', 'RCPT TO:<x@test.example> NOTIFY=SUCCESS NOTIFY=FAILURE\n',
    'RCPT TO:<x@test.example> ORCPT=rfc822;a ORCPT=rfc822;b\n', 'RCPT TO:<x@test.example> NOTIFY=\n', 'RCPT TO:<x@[127.0.0.1]>\n',
    'RCPT TO:x@[127.0.0.1]\n'])).slice(2),
  ['250 OK', '501 NOTIFY can be specified once only', '501 ORCPT can be specified once only', '250 Accepted',
    '501 <x@[127.0.0.1]>: domain literals not allowed', '250 Accepted']);
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@[IPv6:::1]>\n'])).slice(2), ['501 <a@[IPv6:::1]>: domain literals not allowed']);
});

test('under TLS, commands are not checked as they are read (Exim looks at its plaintext buffer only)', async () => {
  const got = await session(['EHLO x\n', SEND, MESSAGE, 'FOO\nNOOP\n', 'ETRN x\nNOOP\n', 'QUIT\n'], { tls: true });
  assert.deepEqual(got.slice(8), ['500 unrecognized command', '250 OK', '458 Administrative prohibition', '250 OK',
    '221 test.example closing connection', '(closed)']);
});

test('RSET and STARTTLS take no argument; XCLIENT without hosts_xclient is an unknown command', async () => {
  assert.deepEqual((await session(['EHLO x\n', 'RSET x\n', 'STARTTLS now\n', 'XCLIENT ADDR=1.2.3.4\n', 'RSET\t\n'])).slice(2),
    ['501 unexpected argument data', '501 unexpected argument data', '500 unrecognized command', '250 Reset OK']);
});

test('SIZE= as Exim reads it: a negative size is huge, a non-number is dropped and ends the parameter scan', async () => {
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example> SIZE=-1\n', 'MAIL FROM:<a@b.example> SMTPUTF8 SIZE=abc RET=FULL\n',
    'MAIL FROM:<a@b.example> SIZE=1e3\n'])).slice(2),
  ['552 Message size exceeds maximum permitted', '501 <a@b.example> SMTPUTF8: malformed address: SMTPUTF8 may not follow <a@b.example> ', '250 OK']);
});

test('BDAT refused for want of recipients: the answer goes out before the chunk is read', async () => {
  const got = await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<reject@test.example>\nBDAT 10 LAST\n']);
  assert.deepEqual(got.slice(2), ['250 OK', '550 Administrative prohibition',
    '503-All RCPT commands were rejected with this error:\n503-Administrative prohibition\n503 Valid RCPT command must precede BDAT']);
});

test('a parameter without "=" is its own value, as Exim reads it: bare BODY, RET or NOTIFY are invalid values', async () => {
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example> BODY\n', 'MAIL FROM:<a@b.example> RET\n', 'MAIL FROM:<a@b.example> SIZE\n',
    'RCPT TO:<x@test.example> NOTIFY\n', 'RCPT TO:<x@test.example> ORCPT\n'])).slice(2),
  ['501 invalid data for BODY', '501 Value for RET is invalid', '250 OK', '501 Invalid value for NOTIFY parameter', '250 Accepted']);
});

test('BDAT LAST total: a header line with an empty name (": x") is a header, as Exim counts it', async () => {
  const got = await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\nBDAT 17 LAST\n: empty\n\nbody\n']);
  assert.match(got[got.length - 1], /^250- 17 byte chunk, total 17\n250 OK id=/);
});

test('MAIL: the size is checked before the sender needs a domain', async () => {
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<postmaster> SIZE=999999999\n', 'MAIL FROM:<postmaster>\n'])).slice(2),
    ['552 Message size exceeds maximum permitted', '501 <postmaster>: sender address must contain a domain']);
});

test('BDAT: a first chunk may be empty; a later empty chunk that is not the last is refused, then only RSET', async () => {
  // (Exim 4.98 then also sends a stray "250 OK id=" with no id, after the RSET: not imitated)
  const first = await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\n', 'BDAT 0\n', 'BDAT 3 LAST\nabc']);
  assert.equal(first[4], '250 0 byte chunk received');
  assert.match(first[5], /250 OK id=/);
  assert.deepEqual((await session(['EHLO x\n', 'MAIL FROM:<a@b.example>\nRCPT TO:<x@test.example>\n', 'BDAT 3\nabc', 'BDAT 0\n', 'NOOP\n', 'RSET\n'])).slice(4, 8),
    ['250 3 byte chunk received', '504 zero size for BDAT command', '503 only RSET accepted now', '250 Reset OK']);
});
