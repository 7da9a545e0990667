// swaks against a real `tern -bdf` on loopback: plain, pipelined, STARTTLS,
// TLS on connect, AUTH PLAIN/LOGIN/CRAM-MD5, the size limit, recipient ACL
// rejections and deferrals. Each accepted message is checked in the spool
// (-H and -D), in the mainlog's `<=` line and in `tern -bp`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testCerts } from '../helpers/certs.ts';
import { startDaemon, run, type TernDaemon } from '../helpers/tern-daemon.ts';
import { headersNamed, mxConfig, PASSWORD, spooled, swaks, USER } from './receiving-setup.ts';

let d: TernDaemon;
before(async () => {
  d = await startDaemon({ config: mxConfig(), tlsOnConnect: true });
});
after(async () => {
  await d?.stop();
});

const tlsVerify = () => ['--tls-verify', '--tls-ca-path', testCerts().caCert];

test('a plain message: 250 with an id, spooled with envelope, Received: and body, logged, listed by -bp', async () => {
  const r = await swaks(d, ['--from', 'sender@example.org', '--to', 'rcpt@example.com', '--header', 'Subject: plain one', '--body', 'Hello from swaks']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.replies[0], /^220 mx\.example\.com ESMTP /);
  const m = await spooled(d, r.id);
  assert.equal(m.header.sender, 'sender@example.org');
  assert.deepEqual(m.header.recipients.map((x) => x.address), ['rcpt@example.com']);
  assert.equal(m.header.receivedProtocol, 'esmtp');
  assert.equal(m.header.hostAddress, '127.0.0.1');
  assert.equal(m.header.heloName, 'client.example.net');
  assert.equal(m.header.tlsCipher, undefined);
  assert.equal(m.header.authId, undefined);
  const received = headersNamed(m, 'Received');
  assert.equal(received.length, 1);
  assert.match(received[0], /^Received: from \[127\.0\.0\.1\] \(helo=client\.example\.net\)\n\tby mx\.example\.com with esmtp \(Exim 4\.\d+(?:\.\d+)?\)\n\t\(envelope-from <sender@example\.org>\)\n\tid \S+\n\tfor rcpt@example\.com;\n\t\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\n$/);
  assert.equal(headersNamed(m, 'Subject')[0], 'Subject: plain one\n');
  // swaks ends the body with two more line ends; Exim 4.98 spools the same bytes.
  assert.equal(m.body.toString(), 'Hello from swaks\n\n\n');
  // Exim: "<= sender H=(helo) [ip] P=esmtp L.- S=size id=msgid" (no pipelining used).
  assert.match(m.arrival, new RegExp(`^\\S+ \\S+ ${r.id} <= sender@example\\.org H=\\(client\\.example\\.net\\) \\[127\\.0\\.0\\.1\\] P=esmtp(?: L\\S*)? S=\\d+ id=\\S+$`));
});

test('EHLO advertises the configured extensions', async () => {
  const r = await swaks(d, ['--quit-after', 'EHLO']);
  assert.equal(r.code, 0, r.stdout);
  const ehlo = r.replies.filter((l) => /^250[- ]/.test(l)).map((l) => l.slice(4));
  assert.equal(ehlo[0], 'mx.example.com Hello client.example.net [127.0.0.1]');
  for (const kw of ['SIZE 20480', '8BITMIME', 'PIPELINING', 'CHUNKING', 'DSN', 'SMTPUTF8', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5', 'HELP']) {
    assert.ok(ehlo.includes(kw), `EHLO has ${kw}: ${JSON.stringify(ehlo)}`);
  }
  // The order Exim 4.98 gives for the same configuration (recorded).
  const order = ['SIZE', '8BITMIME', 'DSN', 'PIPELINING', 'AUTH', 'CHUNKING', 'STARTTLS', 'SMTPUTF8', 'HELP'];
  const seen = ehlo.slice(1).map((l) => l.split(' ')[0]).filter((k) => order.includes(k));
  assert.deepEqual(seen, order);
});

test('--pipeline: MAIL, RCPT and DATA in one batch; the <= line says L (pipelining used)', async () => {
  const r = await swaks(d, ['--pipeline', '--to', 'one@example.com,two@example.com']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ -> MAIL FROM:<sender@example\.org>\n -> RCPT TO:<one@example\.com>\n -> RCPT TO:<two@example\.com>\n -> DATA$/m);
  const m = await spooled(d, r.id);
  assert.deepEqual(m.header.recipients.map((x) => x.address), ['one@example.com', 'two@example.com']);
});

test('log_selector +pipelining: "L." when the client pipelined, "L.-" when it did not (PIPECONNECT offered)', async () => {
  // Exim 4.98, same configuration: "P=esmtp L. S=" and "P=esmtp L.- S=".
  const piped = await swaks(d, ['--pipeline']);
  const plain = await swaks(d, []);
  assert.match(await d.arrivalLine(piped.id!), / P=esmtp L\. S=\d+ id=/);
  assert.match(await d.arrivalLine(plain.id!), / P=esmtp L\.- S=\d+ id=/);
});

test('--tls (STARTTLS) with the certificate verified by the client: P=esmtps, X= cipher, TLS in the spool', async () => {
  const r = await swaks(d, ['--tls', ...tlsVerify()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^=== TLS started with cipher TLSv1\.[23]/m);
  assert.match(r.stdout, /^=== TLS peer DN="\/C=GB\/O=Tern Test\/CN=mx\.example\.com"$/m);
  // After STARTTLS, EHLO no longer offers STARTTLS.
  const afterTls = r.stdout.slice(r.stdout.indexOf('=== TLS started'));
  assert.doesNotMatch(afterTls, /250-STARTTLS/);
  const m = await spooled(d, r.id);
  assert.equal(m.header.receivedProtocol, 'esmtps');
  assert.match(m.header.tlsCipher ?? '', /^TLS1\.[23]:\S+:\d+$/);
  assert.match(m.arrival, / P=esmtps(?: L\S*)? X=TLS1\.[23]:\S+:\d+ CV=no S=\d+ id=/);
  // Exim 4.98's default received_header_text gives two spaces before the TLS version.
  assert.match(headersNamed(m, 'Received')[0], /\n\tby mx\.example\.com with esmtps {2}\(TLS1\.[23]\) tls \S+\n\t\(Exim 4\.\d+(?:\.\d+)?\)\n/);
});

test('--tls-on-connect to the tls_on_connect_ports port', async () => {
  const r = await swaks(d, ['--server', `127.0.0.1:${d.tlsPort}`, '--tls-on-connect', ...tlsVerify()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^=== TLS started with cipher TLSv1\.[23]/m);
  const m = await spooled(d, r.id);
  assert.equal(m.header.receivedProtocol, 'esmtps');
  assert.match(m.arrival, / P=esmtps(?: L\S*)? X=TLS1\.[23]:\S+:\d+ CV=no S=/);
  assert.equal(m.header.interfacePort, d.tlsPort);
});

for (const [mech, driver] of [['PLAIN', 'PLAIN'], ['LOGIN', 'LOGIN'], ['CRAM-MD5', 'CRAM']] as const) {
  test(`--auth ${mech}: 235, P=esmtpa, A=${driver}:${USER}, auth id in the spool`, async () => {
    const r = await swaks(d, ['--auth', mech, '--auth-user', USER, '--auth-password', PASSWORD]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.replies.includes('235 Authentication succeeded'), r.stdout);
    const m = await spooled(d, r.id);
    assert.equal(m.header.receivedProtocol, 'esmtpa');
    assert.equal(m.header.authId, USER);
    // Exim keeps the authenticator's name and its public name (-host_auth, -host_auth_pubname).
    assert.equal(m.header.hostAuth, driver);
    assert.match(m.arrival, new RegExp(` P=esmtpa(?: L\\S*)? A=${driver}:${USER} S=\\d+ id=`));
    assert.equal(m.header.hostAuthPubname, mech);
  });

  test(`--auth ${mech} with a wrong password: 535, logged as Exim logs it, nothing spooled`, async () => {
    const before = d.spooledIds().length;
    const r = await swaks(d, ['--auth', mech, '--auth-user', USER, '--auth-password', 'wrong']);
    assert.notEqual(r.code, 0);
    assert.ok(r.replies.includes('535 Incorrect authentication data'), r.stdout);
    await d.waitForLog(new RegExp(`^\\S+ \\S+ ${driver} authenticator failed for \\(client\\.example\\.net\\) \\[127\\.0\\.0\\.1\\]: 535 Incorrect authentication data \\(set_id=${USER}\\)$`));
    assert.equal(d.spooledIds().length, before);
  });
}

test('--tls with --auth PLAIN: P=esmtpsa with X= and A=', async () => {
  const r = await swaks(d, ['--tls', ...tlsVerify(), '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const m = await spooled(d, r.id);
  assert.equal(m.header.receivedProtocol, 'esmtpsa');
  assert.match(m.arrival, new RegExp(` P=esmtpsa(?: L\\S*)? X=TLS1\\.[23]:\\S+:\\d+ CV=no A=PLAIN:${USER} S=\\d+ id=`));
});

test('a message over message_size_limit: 552 after DATA, "message too big" in the mainlog, nothing spooled', async () => {
  const dir = fs.mkdtempSync(path.join(d.dir, 'big-'));
  const body = path.join(dir, 'body.txt');
  fs.writeFileSync(body, ('a'.repeat(70) + '\n').repeat(440));
  const before = d.spooledIds();
  const r = await swaks(d, ['--body', body]);
  assert.notEqual(r.code, 0);
  assert.ok(r.replies.includes('552 Message size exceeds maximum permitted'), r.stdout);
  const line = await d.waitForLog(/ rejected from <sender@example\.org> H=\(client\.example\.net\) \[127\.0\.0\.1\]: message too big: read=\d+ max=20480$/);
  assert.match(line, /^\S+ \S+ \S{23} rejected from/);
  assert.deepEqual(d.spooledIds(), before);
});

test('recipient ACL: deny gives 550 with its message, defer gives 451; both are logged as Exim does', async () => {
  const rej = await swaks(d, ['--to', 'reject@example.com']);
  assert.ok(rej.replies.includes('550 Rejected by policy for reject'), rej.stdout);
  const def = await swaks(d, ['--to', 'defer@example.com']);
  assert.ok(def.replies.includes('451 Try again later, defer'), def.stdout);
  await d.waitForLog(/ H=\(client\.example\.net\) \[127\.0\.0\.1\] F=<sender@example\.org> rejected RCPT <reject@example\.com>: Rejected by policy for reject$/);
  await d.waitForLog(/ H=\(client\.example\.net\) \[127\.0\.0\.1\] F=<sender@example\.org> temporarily rejected RCPT <defer@example\.com>: Try again later, defer$/);
  await d.waitForLog(/ rejected RCPT <reject@example\.com>: Rejected by policy for reject$/, 'reject');
  // With one good recipient among them the message is still taken, for that one only.
  const mixed = await swaks(d, ['--to', 'reject@example.com,ok@example.com,defer@example.com']);
  const m = await spooled(d, mixed.id);
  assert.deepEqual(m.header.recipients.map((x) => x.address), ['ok@example.com']);
});

test('DSN parameters with swaks (when this swaks has --dsn-*): kept in the spool', async (t) => {
  const help = await run('swaks', ['--help']);
  if (!help.stdout.includes('--dsn-notify')) {
    t.skip(`swaks ${/version (\S+)/.exec((await run('swaks', ['--version'])).stdout)?.[1] ?? '?'} has no --dsn-* options (added in 20240103); DSN is tested with smtplib`);
    return;
  }
  const r = await swaks(d, ['--dsn-notify', 'SUCCESS,DELAY', '--dsn-ret', 'HDRS', '--dsn-envid', 'env-42', '--dsn-orcpt', 'rfc822;orig@example.com']);
  assert.equal(r.code, 0, r.stdout);
  const m = await spooled(d, r.id);
  assert.equal(m.header.dsnEnvid, 'env-42');
  assert.equal(m.header.dsnRet, 'HDRS');
  assert.equal(m.header.recipients[0].dsnNotify, 'SUCCESS,DELAY');
  assert.equal(m.header.recipients[0].orcpt, 'rfc822;orig@example.com');
});
