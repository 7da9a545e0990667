// STARTTLS and TLS on connect over real loopback sockets: node's TLS
// client, `openssl s_client -starttls smtp`, pipelined plaintext after
// STARTTLS (thrown away, as Exim 4.98 does: recorded against exim4 -bdf),
// a garbage handshake (logged, the listener keeps serving), $tls_in_*
// in ACLs and the <= line, EHLO required again, tls_advertise_hosts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { testCerts, type TestCerts } from '../../helpers/certs.ts';
import { SmtpClient } from '../../helpers/smtp-client.ts';
import { readHeaderFile } from '../../../src/spool/read.ts';
import { startSessionServer, until, type SessionServer } from './harness.ts';

let certs: TestCerts;
let srv: SessionServer;

before(async () => {
  certs = testCerts();
  srv = await startSessionServer(`
tls_certificate = ${certs.serverCert}
tls_privatekey = ${certs.serverKey}
log_selector = +smtp_connection
acl_smtp_mail = check_mail
`, { tail: `begin acl
check_mail:
  warn    add_header = X-Cipher: \${if def:tls_in_cipher {$tls_in_cipher}{none}}
  accept
` });
});

after(async () => {
  await srv.close();
});

const ca = () => fs.readFileSync(certs.caCert);

test('STARTTLS: handshake, EHLO again, STARTTLS no longer offered, message carries the cipher', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    assert.equal((await c.reply())?.code, 220);
    const ehlo = await c.command('EHLO client.example');
    assert.ok(ehlo.lines.includes('STARTTLS'));
    assert.equal((await c.command('STARTTLS')).raw, '220 TLS go ahead');
    await c.startTls(ca());
    // The plaintext EHLO is forgotten: MAIL now needs a new EHLO only if hosts_require_helo says so, but
    // the session is plain SMTP again until EHLO (no ESMTP parameters).
    const ehlo2 = await c.command('EHLO client.example');
    assert.equal(ehlo2.code, 250);
    assert.ok(!ehlo2.lines.includes('STARTTLS'), ehlo2.raw);
    assert.equal((await c.command('STARTTLS')).raw, '503 STARTTLS command used when not advertised');
    assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
    assert.equal((await c.command('RCPT TO:<x@test.example>')).code, 250);
    assert.equal((await c.command('DATA')).code, 354);
    const done = await c.command('Subject: tls\r\n\r\nhello\r\n.');
    assert.match(done.raw, /^250 OK id=/);
    const id = done.raw.slice('250 OK id='.length);
    const msg = readHeaderFile(path.join(srv.dir, 'input', `${id}-H`));
    assert.equal(msg.receivedProtocol, 'esmtps');
    assert.match(msg.tlsCipher ?? '', /^TLS1\.[23]:/);
    assert.ok(msg.headers.some((h) => /^X-Cipher: TLS1\.[23]:/.test(h.text)), 'the ACL saw $tls_in_cipher');
    await until(() => srv.mainlog().includes(`${id} <= a@b.example H=(client.example) [127.0.0.1]`));
    assert.match(srv.mainlog(), new RegExp(`${id} <= .* P=esmtps X=TLS1\\.[23]:\\S+ CV=no S=`));
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});

test('STARTTLS: plaintext pipelined after it is thrown away, not run inside TLS', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await c.reply();
    await c.command('EHLO client.example');
    // Exim 4.98 answers "220 TLS go ahead" and ignores the NOOP/MAIL sent with it.
    c.write('STARTTLS\r\nNOOP\r\nMAIL FROM:<evil@x.example>\r\n');
    assert.equal((await c.reply())?.raw, '220 TLS go ahead');
    assert.equal(c.pending(), '');
    await c.startTls(ca());
    // If the MAIL had survived, this would be "503 sender already given".
    await c.command('EHLO again.example');
    assert.equal((await c.command('MAIL FROM:<good@x.example>')).code, 250);
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});

test('STARTTLS with a garbage handshake: logged, connection closed, the listener goes on', async () => {
  const sock = net.connect(srv.port, '127.0.0.1');
  let got = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => { got += d; });
  sock.on('error', () => {});
  await until(() => got.includes('220 '));
  sock.write('EHLO x\r\n');
  await until(() => got.includes('250 HELP'));
  sock.write('STARTTLS\r\n');
  await until(() => got.includes('220 TLS go ahead'));
  sock.write('GARBAGE NOT TLS\r\n\x16\x03\x01\x00\x05hello');
  await new Promise<void>((resolve) => sock.on('close', () => resolve()));
  await until(() => /TLS error on connection from \(x\) \[127\.0\.0\.1\] \(SSL_accept\): /.test(srv.mainlog()), 5000, 'TLS error line');
  // still serving
  const c = await SmtpClient.connect(srv.port);
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('QUIT')).code, 221);
  c.close();
});

test('openssl s_client -starttls smtp talks to the server', async () => {
  const child = spawn('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${srv.port}`, '-CAfile', certs.caCert,
    '-servername', 'localhost', '-quiet', '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (d: string) => { out += d; });
  try {
    // s_client sends its own EHLO and STARTTLS; after the handshake we speak.
    await until(() => child.stdout.readable && out === '' && child.exitCode === null, 100).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    child.stdin.write('EHLO after.tls\r\n');
    await until(() => out.includes('250 HELP'), 10_000, 'EHLO reply over TLS');
    assert.ok(!out.includes('STARTTLS'), out);
    child.stdin.write('QUIT\r\n');
    await until(() => out.includes('221 test.example closing connection'), 10_000, 'QUIT reply');
  } finally {
    child.kill();
  }
});

test('TLS on connect: handshake before the banner, protocol esmtps after EHLO', async () => {
  const s2 = await startSessionServer(`tls_certificate = ${certs.serverCert}\ntls_privatekey = ${certs.serverKey}`, { tlsOnConnect: true });
  try {
    const c = await SmtpClient.connectTls(s2.port, ca());
    assert.equal((await c.reply())?.code, 220);
    const ehlo = await c.command('EHLO client.example');
    assert.ok(!ehlo.lines.includes('STARTTLS'));
    assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
    assert.equal((await c.command('RCPT TO:<x@test.example>')).code, 250);
    await c.command('DATA');
    const done = await c.command('Subject: x\r\n\r\nbody\r\n.');
    const id = done.raw.slice('250 OK id='.length);
    assert.equal(readHeaderFile(path.join(s2.dir, 'input', `${id}-H`)).receivedProtocol, 'esmtps');
    await c.command('QUIT');
    c.close();
    // a plaintext client on a TLS-on-connect port gets nothing and the listener survives
    const raw = net.connect(s2.port, '127.0.0.1');
    raw.on('error', () => {});
    raw.write('EHLO plain\r\n');
    await new Promise<void>((resolve) => raw.on('close', () => resolve()));
    await until(() => /TLS error on connection from \[127\.0\.0\.1\] \(SSL_accept\)/.test(s2.mainlog()), 5000, 'on-connect TLS error');
    const again = await SmtpClient.connectTls(s2.port, ca());
    assert.equal((await again.reply())?.code, 220);
    again.close();
  } finally {
    await s2.close();
  }
});

test('tls_advertise_hosts excluding the client: no STARTTLS offered, STARTTLS refused', async () => {
  const s3 = await startSessionServer(`tls_certificate = ${certs.serverCert}\ntls_privatekey = ${certs.serverKey}\ntls_advertise_hosts = !127.0.0.1 : *`);
  try {
    const c = await SmtpClient.connect(s3.port);
    await c.reply();
    const ehlo = await c.command('EHLO client.example');
    assert.ok(!ehlo.lines.includes('STARTTLS'));
    assert.equal((await c.command('STARTTLS')).raw, '503 STARTTLS command used when not advertised');
    await c.command('QUIT');
    c.close();
  } finally {
    await s3.close();
  }
});
