// One long session over TLS on connect with exact control of the wire
// (test/helpers/smtp-client.ts): AUTH PLAIN, then a BDAT message and a
// DATA message in the same session, then STARTTLS refused on a session
// that is already encrypted. Checks the spool and the `<=` lines (P=esmtpsa,
// X=, A=, K for chunking) against the shapes Exim 4.98 logs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { testCerts } from '../helpers/certs.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { mxConfig, PASSWORD, spooled, spooledSize, USER } from './receiving-setup.ts';

let d: TernDaemon;
before(async () => {
  d = await startDaemon({ config: mxConfig(), tlsOnConnect: true });
});
after(async () => {
  await d?.stop();
});

const idOf = (text: string) => /OK id=(\S+)$/.exec(text)?.[1];

test('TLS on connect, AUTH PLAIN, a BDAT message then a DATA message in one session', async () => {
  const c = await SmtpClient.connectTls(d.tlsPort!, fs.readFileSync(testCerts().caCert));
  try {
    assert.match((await c.reply())!.raw, /^220 mx\.example\.com ESMTP /);
    const ehlo = await c.command('EHLO client.example.net');
    assert.equal(ehlo.code, 250);
    assert.ok(!ehlo.lines.includes('STARTTLS'), 'no STARTTLS on an encrypted session');
    assert.ok(ehlo.lines.includes('CHUNKING'));
    const auth = await c.command(`AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}`);
    assert.equal(auth.raw, '235 Authentication succeeded');

    // BDAT: two chunks, the first one sent with MAIL and RCPT in one write.
    const head = 'Subject: chunked over tls\r\nMessage-ID: <tls-bdat@client.example.net>\r\n\r\n';
    const tail = 'second chunk\r\n';
    c.write(`MAIL FROM:<sender@example.org>\r\nRCPT TO:<rcpt@example.com>\r\nBDAT ${Buffer.byteLength(head)}\r\n${head}`);
    const [mail, rcpt, chunk1] = await c.replies(3);
    assert.deepEqual([mail.raw, rcpt.raw, chunk1.raw], ['250 OK', '250 Accepted', `250 ${Buffer.byteLength(head)} byte chunk received`]);
    c.write(`BDAT ${tail.length} LAST\r\n${tail}`);
    const last = (await c.reply())!;
    // Exim 4.98: "250- <n> byte chunk, total <m>" (two spaces) then "250 OK id=<id>".
    assert.deepEqual(last.lines.slice(0, 1), [` ${tail.length} byte chunk, total ${Buffer.byteLength(head) + tail.length}`]);
    const bdatId = idOf(last.raw);

    const data = await c.command('MAIL FROM:<sender@example.org>');
    assert.equal(data.code, 250);
    assert.equal((await c.command('RCPT TO:<other@example.com>')).code, 250);
    assert.equal((await c.command('DATA')).code, 354);
    const done = await c.command('Subject: data over tls\r\nMessage-ID: <tls-data@client.example.net>\r\n\r\nbody\r\n.');
    const dataId = idOf(done.raw);

    assert.equal((await c.command('STARTTLS')).code, 503);
    assert.equal((await c.command('QUIT')).raw, '221 mx.example.com closing connection');

    const first = await spooled(d, bdatId);
    assert.equal(first.body.toString(), 'second chunk\n');
    assert.equal(first.header.receivedProtocol, 'esmtpsa');
    assert.equal(first.header.authId, USER);
    assert.match(first.header.tlsCipher ?? '', /^TLS1\.3:\S+:256$/);
    assert.match(first.arrival, new RegExp(` P=esmtpsa(?: L\\S*)? X=TLS1\\.3:\\S+:256 CV=no A=PLAIN:${USER} K S=${spooledSize(first)} id=tls-bdat@client\\.example\\.net$`));
    const second = await spooled(d, dataId);
    assert.equal(second.body.toString(), 'body\n');
    assert.deepEqual(second.header.recipients.map((r) => r.address), ['other@example.com']);
    // Still authenticated for the second message; no K without BDAT.
    assert.match(second.arrival, new RegExp(` P=esmtpsa(?: L\\S*)? X=TLS1\\.3:\\S+:256 CV=no A=PLAIN:${USER} S=${spooledSize(second)} id=tls-data@client\\.example\\.net$`));
  } finally {
    c.close();
  }
});

test('STARTTLS, then the session starts again: EHLO required, MAIL before it refused', async () => {
  const c = await SmtpClient.connect(d.port);
  try {
    await c.reply();
    await c.command('EHLO client.example.net');
    assert.equal((await c.command('STARTTLS')).raw, '220 TLS go ahead');
    await c.startTls(fs.readFileSync(testCerts().caCert));
    // RFC 3207: the client must EHLO again; Exim answers MAIL before it with 503.
    const early = await c.command('MAIL FROM:<sender@example.org>');
    assert.equal(early.code, 503, early.raw);
    const ehlo = await c.command('EHLO client.example.net');
    assert.equal(ehlo.code, 250);
    assert.ok(!ehlo.lines.includes('STARTTLS'));
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});
