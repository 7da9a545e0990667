// RFC 1413 identification: the reply parser, and a real ident server
// (oidentd on 127.0.0.1:113, which needs root) naming the owner of the test's
// own connection to a tern daemon.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { parseIdentReply } from '../../src/smtp/server/ident.ts';
import { startDaemon } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';

test('ident replies: the user id after the third colon, errors give nothing', () => {
  assert.equal(parseIdentReply('6193, 23 : USERID : UNIX : stjohns\r'), 'stjohns');
  assert.equal(parseIdentReply('6195, 23 : USERID : OTHER,US-ASCII : a:b c  '), 'a:b c');
  assert.equal(parseIdentReply('6195, 23 : ERROR : NO-USER'), undefined);
  assert.equal(parseIdentReply('garbage'), undefined);
  assert.equal(parseIdentReply('1, 2 : USERID : UNIX :   '), undefined);
});

const OIDENTD = '/usr/sbin/oidentd';
const isRoot = process.getuid?.() === 0;

function port113Free(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(113, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('rfc1413_hosts: a real ident server names the caller; $sender_ident and U= in the log', async (t) => {
  if (!isRoot || !fs.existsSync(OIDENTD)) return t.skip('needs root and oidentd (Debian package oidentd)');
  if (!await port113Free()) return t.skip('port 113 is in use');
  const ident = spawn(OIDENTD, ['-i', '-S', '-q', '-a', '127.0.0.1', '-p', '113'], { stdio: 'ignore' });
  const d = await startDaemon({
    config: [
      'rfc1413_hosts = 127.0.0.1', 'rfc1413_query_timeout = 5s', 'acl_smtp_mail = check_mail',
      'begin acl', 'check_mail:', '  deny message = ident=<$sender_ident>',
    ].join('\n'),
  });
  try {
    await waitListening(113, 10_000);
    const c = await SmtpClient.connect(d.port);
    await c.reply();
    await c.command('EHLO client.example');
    const r = await c.command('MAIL FROM:<a@example.test>');
    c.close();
    const me = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(r.raw, `550 ident=<${me}>`);
    const line = await d.waitForLog(/rejected MAIL/, 'reject');
    assert.match(line, new RegExp(`H=\\(client\\.example\\) \\[127\\.0\\.0\\.1\\] U=${me} `));
    // rfc1413_query_timeout's default, 0s: no call is made although the server answers
    const quiet = await startDaemon({
      config: ['rfc1413_hosts = *', 'acl_smtp_mail = check_mail', 'begin acl', 'check_mail:', '  deny message = ident=<$sender_ident>'].join('\n'),
    });
    try {
      const q = await SmtpClient.connect(quiet.port);
      await q.reply();
      await q.command('EHLO client.example');
      const qr = await q.command('MAIL FROM:<a@example.test>');
      q.close();
      assert.equal(qr.raw, '550 ident=<>');
    } finally {
      await quiet.stop();
    }
  } finally {
    ident.kill();
    await d.stop();
  }
});
