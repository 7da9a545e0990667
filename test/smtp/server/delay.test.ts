// `delay =` in ACLs over real sockets: pending replies are flushed before
// the wait (unless control = no_delay_flush), a client that hangs up ends
// the wait, and the session's end is logged as Exim 4.98 logs it (lines
// recorded from a running exim4 -bd).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpClient } from '../../helpers/smtp-client.ts';
import { BASE_CONFIG, startSessionServer, until, type SessionServer } from './harness.ts';

let srv: SessionServer;

before(async () => {
  srv = await startSessionServer(`
log_selector = +smtp_connection
acl_smtp_rcpt = rcpt
`, { base: BASE_CONFIG.replace('acl_smtp_rcpt = accept', ''), tail: `begin acl
rcpt:
  accept local_parts = slow
         delay = 1s
  accept local_parts = quiet
         control = no_delay_flush
         delay = 1s
  accept local_parts = long
         delay = 20s
  accept
` });
});

after(async () => {
  await srv.close();
});

async function ehlo(c: SmtpClient): Promise<void> {
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('EHLO x.example')).code, 250);
}

test('delay flushes the replies owed to a pipelining client first', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await ehlo(c);
    const t0 = Date.now();
    c.write('MAIL FROM:<a@b.example>\r\nRCPT TO:<slow@test.example>\r\n');
    assert.equal((await c.reply())?.code, 250);
    const mailAt = Date.now() - t0;
    assert.equal((await c.reply())?.code, 250);
    const rcptAt = Date.now() - t0;
    assert.ok(mailAt < 700, `MAIL reply after ${mailAt} ms`);
    assert.ok(rcptAt >= 950, `RCPT reply after ${rcptAt} ms`);
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});

test('control = no_delay_flush: the replies wait with the delay', async () => {
  const c = await SmtpClient.connect(srv.port);
  try {
    await ehlo(c);
    const t0 = Date.now();
    c.write('MAIL FROM:<a@b.example>\r\nRCPT TO:<quiet@test.example>\r\n');
    assert.equal((await c.reply())?.code, 250);
    assert.ok(Date.now() - t0 >= 950, `MAIL reply after ${Date.now() - t0} ms`);
    assert.equal((await c.reply())?.code, 250);
  } finally {
    c.close();
  }
});

test('a client that hangs up during a delay ends it; the loss is logged as Exim logs it', async () => {
  const c = await SmtpClient.connect(srv.port);
  await ehlo(c);
  c.write('MAIL FROM:<a@b.example>\r\nRCPT TO:<long@test.example>\r\n');
  assert.equal((await c.reply())?.code, 250);
  const t0 = Date.now();
  c.close();
  await until(() => /unexpected disconnection while reading SMTP command from \(x\.example\) \[127\.0\.0\.1\] D=0s$/m.test(srv.mainlog()), 5000, 'lost line');
  assert.ok(Date.now() - t0 < 5000);
  await until(() => srv.active() === 0, 2000, 'session end');
});

test('session ends under +smtp_connection: lost outside a transaction, closed by QUIT', async () => {
  const a = await SmtpClient.connect(srv.port);
  await ehlo(a);
  a.close();
  await until(() => /SMTP connection from \(x\.example\) \[127\.0\.0\.1\] lost D=0s$/m.test(srv.mainlog()), 3000, 'lost line');
  const b = await SmtpClient.connect(srv.port);
  await ehlo(b);
  assert.equal((await b.command('QUIT')).code, 221);
  b.close();
  await until(() => /SMTP connection from \(x\.example\) \[127\.0\.0\.1\] D=0s closed by QUIT$/m.test(srv.mainlog()), 3000, 'QUIT line');
  // neither end adds a second line
  assert.doesNotMatch(srv.mainlog(), /\] lost$/m);
});
