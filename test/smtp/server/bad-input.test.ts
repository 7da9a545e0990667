// Bad input over real loopback sockets (the replies that can be compared
// with Exim without a socket are in test/fixtures/smtp/bs/bad-*): each test
// checks the reply, that the listener keeps serving, and that nothing half
// received is on the spool.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SmtpClient } from '../../helpers/smtp-client.ts';
import { startSessionServer, until, type SessionServer } from './harness.ts';
import { plainAuthenticator } from '../../helpers/authenticators.ts';

let srv: SessionServer;

before(async () => {
  srv = await startSessionServer(`
recipients_max = 100
smtp_max_synprot_errors = 100
log_selector = +smtp_connection
`, { tail: `begin authenticators
${plainAuthenticator('user', 'secret')}` });
});

after(async () => {
  await srv.close();
});

/** The listener still answers. */
async function stillServing(): Promise<void> {
  const c = await SmtpClient.connect(srv.port);
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('QUIT')).code, 221);
  c.close();
}

test('commands before the banner: 554 and the log line', async () => {
  // A connect ACL that waits makes sure the client's line is there before the banner would be.
  const slow = await startSessionServer('acl_smtp_connect = connect\npipelining_connect_advertise_hosts = :', { tail: 'begin acl\nconnect:\n  accept delay = 1s\n' });
  try {
    const sock = net.connect(slow.port, '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => { got += d; });
    sock.on('error', () => {});
    sock.write('EHLO early.example\r\n');
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    assert.equal(got, '554 SMTP synchronization error\r\n');
    await until(() => /SMTP protocol synchronization error \(input sent without waiting for greeting\): rejected connection from H=\[127\.0\.0\.1\] input="EHLO early.example\\r\\n"/.test(slow.rejectlog()), 3000, 'early input line');
  } finally {
    await slow.close();
  }
  await stillServing();
});

test('pipelining when PIPELINING was not advertised (HELO): 554 after the RCPT ACL, and the log line', async () => {
  // Until the first DATA, PIPECONNECT lets commands be read unchecked; Exim checks again after the
  // MAIL ACL (none here) and the RCPT ACL when PIPELINING was not advertised (checked with exim4 -bdf).
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('HELO client.example');
  assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
  c.write('RCPT TO:<x@test.example>\r\nNOOP\r\n');
  const r = await c.reply();
  assert.equal(r?.raw, '554 SMTP synchronization error');
  assert.equal(await c.reply(), null, 'connection closed');
  await until(() => /SMTP protocol synchronization error \(next input sent too soon: pipelining was not advertised\): rejected "RCPT TO:<x@test.example>" H=\(client.example\) \[127\.0\.0\.1\] next input="NOOP\\r\\n" \(6 bytes\)/
    .test(srv.rejectlog()), 3000, 'sync error line');
  await stillServing();
});

test('a 1 MB command line: cut into command-buffer pieces, too many unrecognized, dropped', async () => {
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('EHLO client.example');
  c.write('NOOP ' + 'a'.repeat(1024 * 1024) + '\r\n');
  const replies = [];
  for (let r = await c.reply(); r; r = await c.reply()) replies.push(r.raw);
  assert.deepEqual(replies, ['500 unrecognized command', '500 unrecognized command', '500 unrecognized command', '500 Too many unrecognized commands']);
  await stillServing();
});

test('10,000 RCPTs pipelined: recipients_max accepted, the rest 452, quickly', async () => {
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('EHLO client.example');
  const started = Date.now();
  let batch = 'MAIL FROM:<a@b.example>\r\n';
  for (let i = 0; i < 10_000; i++) batch += `RCPT TO:<r${i}@test.example>\r\n`;
  c.write(batch);
  const replies = await c.replies(10_001);
  assert.equal(replies.filter((r) => r.raw === '250 Accepted').length, 100);
  assert.equal(replies.filter((r) => r.raw === '452 too many recipients').length, 9_900);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.equal((await c.command('DATA')).code, 354);
  const done = await c.command('Subject: many\r\n\r\nx\r\n.');
  assert.match(done.raw, /^250 OK id=/);
  await c.command('QUIT');
  c.close();
});

test('a client that vanishes mid-DATA leaves nothing on the spool', async () => {
  const before = srv.inputFiles();
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('EHLO client.example');
  await c.command('MAIL FROM:<a@b.example>');
  await c.command('RCPT TO:<x@test.example>');
  assert.equal((await c.command('DATA')).code, 354);
  c.write('Subject: half\r\n\r\n' + 'body line\r\n'.repeat(5000));
  await new Promise((r) => setTimeout(r, 100));
  c.close();
  await until(() => /lost while reading message data/.test(srv.mainlog()), 3000, 'lost line');
  await srv.idle();
  assert.deepEqual(srv.inputFiles(), before);
  await stillServing();
});

test('BDAT with a wrong length: a short count leaves the rest as commands, a negative one is a syntax error', async () => {
  const before = srv.inputFiles();
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('EHLO client.example');
  await c.command('MAIL FROM:<a@b.example>');
  await c.command('RCPT TO:<x@test.example>');
  assert.equal((await c.command('BDAT -1')).raw, '501 missing size for BDAT command');
  c.write('BDAT 3\r\nabcdef\r\n');
  assert.equal((await c.reply())?.raw, '250 3 byte chunk received');
  assert.equal((await c.reply())?.raw, '503 only BDAT permissible after non-LAST BDAT');
  assert.equal((await c.command('NOOP')).raw, '503 only RSET accepted now');
  assert.equal((await c.command('RSET')).code, 250);
  await c.command('QUIT');
  c.close();
  await srv.idle();
  assert.deepEqual(srv.inputFiles(), before, 'nothing queued');
});

test('SMTP smuggling over a socket: only CRLF.CRLF ends DATA, smuggled commands stay in the body', async () => {
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  await c.command('EHLO client.example');
  await c.command('MAIL FROM:<a@b.example>');
  await c.command('RCPT TO:<x@test.example>');
  await c.command('DATA');
  c.write('Subject: s\r\n\r\none\n.\r\nMAIL FROM:<evil@x.example>\r\ntwo\r\n.\nRCPT TO:<evil@x.example>\r\n.\r\n');
  const r = await c.reply();
  assert.match(r?.raw ?? '', /^250 OK id=/);
  assert.equal((await c.command('NOOP')).raw, '250 OK', 'no reply to a smuggled command came first');
  await c.command('QUIT');
  c.close();
});

test('AUTH with hostile user names: refused, the session goes on', async () => {
  const c = await SmtpClient.connect(srv.port);
  await c.reply();
  const ehlo = await c.command('EHLO client.example');
  assert.ok(ehlo.lines.includes('AUTH PLAIN'), ehlo.raw);
  for (const user of ['__proto__', 'constructor', 'toString', 'prototype']) {
    const b64 = Buffer.from(`\0${user}\0secret`).toString('base64');
    assert.equal((await c.command(`AUTH PLAIN ${b64}`)).code, 535, user);
  }
  const ok = Buffer.from('\0user\0secret').toString('base64');
  assert.equal((await c.command(`AUTH PLAIN ${ok}`)).raw, '235 Authentication succeeded');
  await c.command('QUIT');
  c.close();
  await stillServing();
});
