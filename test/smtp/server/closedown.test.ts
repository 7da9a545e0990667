// A failure Exim dies of, in a real daemon: a host list names a lookup file
// that does not exist. The client gets Exim's closedown (421 "Unexpected
// failure", RSET 250, QUIT 221, recorded from Exim 4.98's daemon); the line
// is in the main and panic logs; the daemon serves the next connection.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TernDaemon } from '../../helpers/tern-daemon.ts';
import { SmtpClient } from '../../helpers/smtp-client.ts';

let daemon: TernDaemon;

before(async () => {
  daemon = await startDaemon({
    config: `
primary_hostname = mx.tern.test
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  deny   recipients = fail@mx.tern.test
         hosts = net-lsearch;/nonexistent/tern-closedown-test
  accept
`,
  });
});

after(async () => {
  await daemon?.stop();
});

test('a lookup file that cannot be opened in a list: 421 closedown, logged to main and panic logs, the daemon stays up', async () => {
  const c = await SmtpClient.connect(daemon.port);
  try {
    assert.equal((await c.reply())?.code, 220);
    assert.equal((await c.command('EHLO client.test')).code, 250);
    assert.equal((await c.command('MAIL FROM:<a@client.test>')).code, 250);
    assert.equal((await c.command('RCPT TO:<fail@mx.tern.test>')).raw, '421 Unexpected failure, please try later');
    assert.equal((await c.command('RSET')).raw, '250 Reset OK');
    assert.equal((await c.command('MAIL FROM:<a@client.test>')).raw, '421 Unexpected failure, please try later');
    assert.equal((await c.command('NOOP')).raw, '421 Unexpected failure, please try later');
    assert.equal((await c.command('QUIT')).raw, '221 mx.tern.test closing connection');
  } finally {
    c.close();
  }
  const line = /^\S+ \S+ failed to open \/nonexistent\/tern-closedown-test for linear search: No such file or directory$/m;
  await daemon.waitForLog(line);
  assert.match(daemon.log('panic'), line);

  // the next client is served as usual
  const next = await SmtpClient.connect(daemon.port);
  try {
    assert.equal((await next.reply())?.code, 220);
    assert.equal((await next.command('EHLO client.test')).code, 250);
    assert.equal((await next.command('MAIL FROM:<a@client.test>')).code, 250);
    assert.equal((await next.command('RCPT TO:<ok@mx.tern.test>')).code, 250);
    assert.equal((await next.command('QUIT')).code, 221);
  } finally {
    next.close();
  }
});
