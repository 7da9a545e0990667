// smtp_receive_timeout and the old per-connection rate limiting
// (smtp_ratelimit_*), over real sockets. Reply and log texts are Exim
// 4.98's (recorded with exim4 -bs -oMa and smtp_receive_timeout = 1s).
// smtp_accept_max_nonmail and hosts_require_helo are compared with Exim in
// test/fixtures/smtp/bs/limit-*.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpClient } from '../../helpers/smtp-client.ts';
import { parseRateLimit, takeDelay } from '../../../src/smtp/server/rate-limit.ts';
import { startSessionServer, until, type SessionServer } from './harness.ts';

let srv: SessionServer;

before(async () => {
  srv = await startSessionServer(`
smtp_receive_timeout = 1s
smtp_ratelimit_hosts = 127.0.0.1
smtp_ratelimit_rcpt = 2,0.3s,2,0.5s
`);
});

after(async () => {
  await srv.close();
});

async function ehlo(c: SmtpClient): Promise<void> {
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('EHLO x.example')).code, 250);
}

test('a silent client gets the command timeout reply and line', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await ehlo(c);
    const r = await c.reply(5000);
    assert.equal(r?.raw, '421 test.example: SMTP command timeout - closing connection');
    await until(() => /SMTP command timeout on connection from \(x\.example\) \[127\.0\.0\.1\] D=1s$/m.test(srv.mainlog()), 3000, 'timeout line');
  } finally {
    c.close();
  }
});

test('a client silent in DATA: the data timeout reply and line, nothing queued', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await ehlo(c);
    assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
    assert.equal((await c.command('RCPT TO:<x@test.example>')).code, 250);
    assert.equal((await c.command('DATA')).code, 354);
    c.write('Subject: half\r\n');
    const r = await c.reply(5000);
    assert.equal(r?.raw, '421 test.example SMTP incoming data timeout - closing connection.');
    await until(() => /SMTP data timeout \(message abandoned\) on connection from \(x\.example\) \[127\.0\.0\.1\] F=<a@b\.example> D=\ds$/m.test(srv.mainlog()), 3000, 'data timeout line');
    assert.deepEqual(srv.inputFiles(), []);
  } finally {
    c.close();
  }
});

test('smtp_ratelimit_rcpt: RCPTs past the threshold wait, growing to the limit; a new message starts again', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await ehlo(c);
    assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
    const times: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const t0 = Date.now();
      assert.equal((await c.command(`RCPT TO:<r${i}@test.example>`)).code, 250);
      times.push(Date.now() - t0);
    }
    assert.ok(times[0] < 250 && times[1] < 250, `first two: ${times}`);
    assert.ok(times[2] >= 280 && times[2] < 480, `third: ${times}`);
    assert.ok(times[3] >= 480 && times[3] < 900, `fourth (0.6s capped at 0.5s): ${times}`);
    assert.equal((await c.command('RSET')).code, 250);
    assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
    const t0 = Date.now();
    for (let i = 1; i <= 3; i++) assert.equal((await c.command(`RCPT TO:<s${i}@test.example>`)).code, 250);
    const took = Date.now() - t0;
    assert.ok(took >= 280 && took < 700, `second message: ${took} ms`);
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});

test('smtp_ratelimit_* values: threshold, fractional delay, factor, limit', () => {
  const spec = parseRateLimit('smtp_ratelimit_mail', '2,0.5s,1.05,4m');
  assert.deepEqual(spec, { threshold: 2, baseMs: 500, factor: 1.05, limitMs: 240_000 });
  const l = { spec: parseRateLimit('smtp_ratelimit_rcpt', '1, 1s, 3, 5s'), nextDelayMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => takeDelay(l, n)), [0, 1000, 3000, 5000, 5000]);
  assert.throws(() => parseRateLimit('smtp_ratelimit_mail', '2,0.5s,1.05'), /smtp_ratelimit_mail: "2,0.5s,1.05" is not/);
  assert.throws(() => parseRateLimit('smtp_ratelimit_mail', 'x,1s,2,3s'), /not "threshold,delay,factor,limit"/);
});
