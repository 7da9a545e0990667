import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { expandString } from '../../src/expand/index.ts';
import { setTlsVariables } from '../../src/tls/index.ts';
import { testCerts } from '../helpers/certs.ts';
import { ask, readLine, startHarness, startTlsClient, type Harness } from './harness.ts';

const C = testCerts();
const harnesses: Harness[] = [];
after(async () => { for (const h of harnesses) await h.close(); });
async function harness(config: string, opts?: Parameters<typeof startHarness>[1]): Promise<Harness> {
  const h = await startHarness(`primary_hostname = mx.example.com\n${config}`, opts);
  harnesses.push(h);
  return h;
}
const pem = (f: string) => new X509Certificate(fs.readFileSync(f)).toString();

function sClient(args: string[], input = 'QUIT\r\n'): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile('openssl', ['s_client', '-ign_eof', ...args], { timeout: 10000 }, (_e, stdout, stderr) => resolve(stdout + stderr));
    p.stdin!.end(input);
  });
}

test('STARTTLS with a node client: Exim-style $tls_in_* values', async () => {
  const h = await harness(`tls_certificate = ${C.serverCert}\ntls_privatekey = ${C.serverKey}\n`);
  const client = await startTlsClient(h.port);
  assert.equal(await ask(client, 'EHLO client'), '250 EHLO client');
  const o = await h.next();
  const u = o.upgrade!;
  assert.equal(u.cipher, 'TLS1.3:TLS_AES_256_GCM_SHA384:256');
  assert.equal(u.cipherStd, 'TLS_AES_256_GCM_SHA384');
  assert.equal(u.version, 'TLS1.3');
  assert.equal(u.bits, 256);
  assert.equal(u.certificateVerified, false);
  assert.equal(u.peerDn, '');
  assert.equal(u.sni, '');
  assert.equal(u.ourCert, pem(C.serverCert));
  assert.equal(u.discardedPlaintext, 0);
  setTlsVariables(o.ctx, u);
  assert.equal(expandString('$tls_in_cipher $tls_cipher $tls_in_bits $tls_in_ver [$tls_in_peerdn] $tls_in_certificate_verified', o.ctx),
    'TLS1.3:TLS_AES_256_GCM_SHA384:256 TLS1.3:TLS_AES_256_GCM_SHA384:256 256 TLS1.3 [] 0');
  assert.equal(expandString('${certextract{subject,CN}{$tls_in_ourcert}}', o.ctx), 'mx.example.com');
  client.end();
});

test('pipelined plaintext after STARTTLS is thrown away, not fed to TLS or the session', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\n`, { leaveInSocketBuffer: true });
  const client = await startTlsClient(h.port, {}, 'RSET\r\nMAIL FROM:<evil@example.com>\r\n');
  assert.equal(await ask(client, 'EHLO after'), '250 EHLO after');
  const o = await h.next();
  assert.equal(o.upgrade!.discardedPlaintext, 'RSET\r\nMAIL FROM:<evil@example.com>\r\n'.length);
  assert.deepEqual(o.linesAfterTls, ['EHLO after']);
  client.end();
});

test('SNI selects the certificate by expansion and sets $tls_in_sni (openssl s_client)', async () => {
  const h = await harness(
    `tls_certificate = \${if eq{$tls_in_sni}{other.example.org}{${C.otherCert}}{${C.serverCert}}}\n` +
    `tls_privatekey = \${if eq{$tls_in_sni}{other.example.org}{${C.otherKey}}{${C.serverKey}}}\n`);
  const out = await sClient(['-connect', `127.0.0.1:${h.port}`, '-starttls', 'smtp', '-servername', 'other.example.org']);
  assert.match(out, /subject=.*CN ?= ?other\.example\.org/);
  const o = await h.next();
  assert.equal(o.upgrade!.sni, 'other.example.org');
  assert.equal(o.upgrade!.ourCert, pem(C.otherCert));
  setTlsVariables(o.ctx, o.upgrade!);
  assert.equal(o.ctx.vars.get('tls_in_sni')?.tainted, true);
  // no SNI: the default certificate
  const out2 = await sClient(['-connect', `127.0.0.1:${h.port}`, '-starttls', 'smtp', '-noservername']);
  assert.match(out2, /subject=.*CN ?= ?mx\.example\.com/);
  assert.equal((await h.next()).upgrade!.sni, '');
});

test('client certificates: tls_try_verify_hosts verifies when it can', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\ntls_verify_certificates = ${C.caCert}\ntls_try_verify_hosts = *\n`);
  const good = await startTlsClient(h.port, { cert: fs.readFileSync(C.clientCert), key: fs.readFileSync(C.clientKey) });
  let o = await h.next();
  assert.equal(o.upgrade!.certificateVerified, true);
  assert.equal(o.upgrade!.peerDn, '/C=GB/O=Tern Test/CN=client.example.com');
  setTlsVariables(o.ctx, o.upgrade!);
  assert.equal(expandString('${certextract{subject,CN}{$tls_in_peercert}}', o.ctx), 'client.example.com');
  good.end();
  const none = await startTlsClient(h.port);
  o = await h.next();
  assert.equal(o.upgrade!.certificateVerified, false);
  assert.equal(o.upgrade!.peerDn, '');
  none.end();
  const rogue = await startTlsClient(h.port, { cert: fs.readFileSync(C.rogueCert), key: fs.readFileSync(C.rogueKey) });
  o = await h.next();
  assert.equal(o.upgrade!.certificateVerified, false);
  assert.equal(o.upgrade!.peerDn, '/C=GB/O=Rogue/CN=rogue.example.com');
  rogue.end();
});

test('client certificates: tls_verify_hosts requires one, tls_crl revokes', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\ntls_verify_certificates = ${C.caCert}\ntls_crl = ${C.crl}\ntls_verify_hosts = 127.0.0.1\n`);
  const good = await startTlsClient(h.port, { cert: fs.readFileSync(C.clientCert), key: fs.readFileSync(C.clientKey) });
  assert.equal(await ask(good, 'NOOP'), '250 NOOP');
  assert.equal((await h.next()).upgrade!.certificateVerified, true);
  good.end();
  for (const [cert, key] of [[undefined, undefined], [C.rogueCert, C.rogueKey], [C.revokedCert, C.revokedKey]]) {
    const opts = cert ? { cert: fs.readFileSync(cert), key: fs.readFileSync(key!) } : {};
    const c = await startTlsClient(h.port, opts).catch((e: Error) => e);
    // TLS 1.3: the client may finish before the server's alert arrives
    if (!(c instanceof Error)) c.on('error', () => {});
    const o = await h.next();
    assert.equal(o.upgrade, undefined, `accepted ${cert}`);
    assert.match(o.error!.logText!, /^TLS error on connection from \[127\.0\.0\.1\] \(SSL_accept\): error:[0-9A-F]{8}:SSL routines::/);
    if (!(c instanceof Error)) c.destroy();
  }
});

test('tls_require_ciphers: OpenSSL lists and GnuTLS priority strings', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\ntls_require_ciphers = ECDHE_RSA_AES128_GCM_SHA256\n`);
  const c = await startTlsClient(h.port, { maxVersion: 'TLSv1.2' });
  const u = (await h.next()).upgrade!;
  assert.equal(u.cipher, 'TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128');
  assert.equal(u.cipherStd, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  c.end();
  const bad = await startTlsClient(h.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }).catch((e: Error) => e);
  assert.ok(bad instanceof Error);
  assert.match((await h.next()).error!.logText!, /no shared cipher/);

  const g = await harness(`tls_certificate = ${C.serverCombined}\ntls_require_ciphers = NORMAL:-VERS-TLS1.3\n`);
  const c2 = await startTlsClient(g.port);
  assert.equal((await g.next()).upgrade!.version, 'TLS1.2');
  c2.end();
});

test('dual RSA and EC certificates: the cipher picks the certificate', async () => {
  const h = await harness(`tls_certificate = ${C.serverCert} : ${C.serverEcCert}\ntls_privatekey = ${C.serverKey} : ${C.serverEcKey}\n`);
  const ec = await startTlsClient(h.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
  assert.equal((await h.next()).upgrade!.ourCert, pem(C.serverEcCert));
  ec.end();
  const rsa = await startTlsClient(h.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' });
  assert.equal((await h.next()).upgrade!.ourCert, pem(C.serverCert));
  rsa.end();
});

test('a handshake of garbage fails cleanly, and the server goes on', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\n`);
  const sock = net.connect(h.port, '127.0.0.1');
  await readLine(sock);
  sock.write('STARTTLS\r\n');
  await readLine(sock);
  sock.resume();
  sock.write(Buffer.from('\x16\x03\x01\x00\x05garbage and more garbage\r\n'.repeat(3), 'latin1'));
  const o = await h.next();
  assert.equal(o.upgrade, undefined);
  assert.match(o.error!.logText!, /^TLS error on connection from \[127\.0\.0\.1\] \(SSL_accept\): error:0A[0-9A-F]{6}:SSL routines::/);
  sock.destroy();
  // a client that vanishes mid-handshake
  const s2 = net.connect(h.port, '127.0.0.1');
  await readLine(s2);
  s2.write('STARTTLS\r\n');
  await readLine(s2);
  s2.destroy();
  assert.equal((await h.next()).error!.logText, 'TLS error on connection from [127.0.0.1] (SSL_accept): error:0A000126:SSL routines::unexpected eof while reading');
  const ok = await startTlsClient(h.port);
  assert.ok((await h.next()).upgrade);
  ok.end();
});

test('TLS on connect (openssl s_client without STARTTLS)', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\n`, { onConnect: true });
  const out = await sClient(['-connect', `127.0.0.1:${h.port}`, '-tls1_2'], 'HELLO\r\nQUIT\r\n');
  assert.match(out, /250 HELLO/);
  const o = await h.next();
  assert.match(o.upgrade!.cipher, /^TLS1\.2:ECDHE-RSA-AES256-GCM-SHA384:256$/);
});

test('setup failure rejects before the go-ahead: the session can answer 454', async () => {
  const h = await harness('tls_certificate = /nonexistent/cert.pem\n');
  const sock = net.connect(h.port, '127.0.0.1');
  await readLine(sock);
  sock.write('STARTTLS\r\n');
  assert.equal(await readLine(sock), '454 TLS currently unavailable');
  const o = await h.next();
  assert.equal(o.error!.name, 'TlsSetupError');
  assert.equal(o.error!.logText,
    'TLS error on connection from [127.0.0.1] (cert/key setup: cert=/nonexistent/cert.pem key=/nonexistent/cert.pem): /nonexistent/cert.pem: No such file or directory');
  sock.destroy();
});

test('no tls_certificate: a self-signed certificate for primary_hostname', async () => {
  const h = await harness('');
  const c = await startTlsClient(h.port);
  const u = (await h.next()).upgrade!;
  assert.equal(new X509Certificate(u.ourCert).subject, 'CN=mx.example.com');
  c.end();
});

test('ALPN: one name from tls_alpn is accepted, anything else declined', async () => {
  const h = await harness(`tls_certificate = ${C.serverCombined}\n`);
  const c = await startTlsClient(h.port, { ALPNProtocols: ['smtp'] });
  assert.equal((await h.next()).upgrade!.alpn, 'smtp');
  c.end();
  const web = await startTlsClient(h.port, { ALPNProtocols: ['http/1.1'] }).catch((e: Error) => e);
  assert.ok(web instanceof Error);
  assert.match((await h.next()).error!.logText!, /no application protocol/);
});

test('resumption only for tls_resumption_hosts', async () => {
  for (const [hosts, resumed] of [['*', true], ['', false]] as const) {
    const h = await harness(`tls_certificate = ${C.serverCombined}\ntls_resumption_hosts = ${hosts}\n`);
    const c1 = await startTlsClient(h.port, { maxVersion: 'TLSv1.2' });
    await ask(c1, 'NOOP');
    const session = c1.getSession();
    const first = (await h.next()).upgrade!;
    c1.end();
    assert.equal(first.resumption & 16, 0);
    const c2 = await startTlsClient(h.port, { maxVersion: 'TLSv1.2', session });
    const second = (await h.next()).upgrade!;
    assert.equal(c2.isSessionReused(), resumed);
    assert.equal((second.resumption & 16) !== 0, resumed);
    c2.end();
  }
});

test('OCSP stapling from tls_ocsp_file', async () => {
  const proof = `${C.dir}/ocsp.der`;
  fs.writeFileSync(proof, Buffer.from('30030a0100', 'hex'));
  const h = await harness(`tls_certificate = ${C.serverCombined}\ntls_ocsp_file = ${proof}\n`);
  let stapled: Buffer | null = null;
  const c = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const sock = net.connect(h.port, '127.0.0.1', async () => {
      await readLine(sock);
      sock.write('STARTTLS\r\n');
      await readLine(sock);
      const t = tls.connect({ socket: sock, rejectUnauthorized: false, requestOCSP: true, servername: 'mx.example.com' }, () => resolve(t));
      t.on('OCSPResponse', (r: Buffer) => { stapled = r; });
      t.once('error', reject);
    });
  });
  const u = (await h.next()).upgrade!;
  assert.deepEqual(stapled, Buffer.from('30030a0100', 'hex'));
  assert.equal(u.ocsp, 2);
  c.end();
});
