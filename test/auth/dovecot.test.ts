// The dovecot authenticator against a real Dovecot auth service: a tern
// daemon with PLAIN, LOGIN and CRAM-MD5 relayed over the Unix socket and
// over the inet listener, driven by swaks; good and bad passwords, a
// mechanism Dovecot does not offer, an auth-master socket, Dovecot stopped.
// Replies and log lines are as Exim 4.98 gives them for the same
// configuration (TERN_INTEG_PROGRAM=exim4 runs this file against it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { startDaemon, ternSetup, type TernDaemon } from '../helpers/tern-daemon.ts';
import { swaks } from '../integration/receiving-setup.ts';
import { dovecotUnavailable, startDovecot, type Dovecot } from './dovecot-server.ts';

const skip = dovecotUnavailable();

function config(dc: Dovecot): string {
  const inet = `127.0.0.1 ${dc.port}`;
  return `
primary_hostname = mx.example.com
queue_only = true
acl_smtp_rcpt = acl_check_rcpt

begin acl

acl_check_rcpt:
  accept authenticated = *
  deny    message = authentication required

begin authenticators

dc_plain:
  driver = dovecot
  public_name = PLAIN
  server_socket = ${dc.socket}
  server_set_id = $auth1

dc_login:
  driver = dovecot
  public_name = LOGIN
  server_socket = ${inet}
  server_set_id = $auth1

dc_cram:
  driver = dovecot
  public_name = CRAM-MD5
  server_socket = ${dc.socket}
  server_set_id = $auth1
  server_condition = \${if eq{$auth1}{carol}{no}{yes}}

dc_digest:
  driver = dovecot
  public_name = DIGEST-MD5
  server_socket = ${dc.socket}

dc_master:
  driver = dovecot
  public_name = X-MASTER
  server_socket = ${dc.dir}/run/auth-master
`;
}

describe('dovecot authenticator with a real Dovecot', { skip }, () => {
  let dc: Dovecot;
  let d: TernDaemon;
  before(async () => {
    dc = await startDovecot({ alice: 'secret', bob: 'hunter2', carol: 'pw' });
    d = await startDaemon({ config: config(dc) });
  });
  after(async () => {
    await d?.stop();
    await dc?.stop();
  });

  const auth = (type: string, user: string, password: string, more: string[] = []) =>
    swaks(d, ['--auth', type, '--auth-user', user, '--auth-password', password, ...more]);

  test('EHLO offers the dovecot mechanisms', async () => {
    const r = await swaks(d, ['--quit-after', 'EHLO']);
    assert.ok(r.replies.includes('250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5 X-MASTER'), r.stdout);
  });

  // Successes first: Dovecot slows down attempts from an address that has just failed (auth penalty).
  const cases = [
    ['PLAIN', 'alice', 'secret', 'dc_plain'],
    ['LOGIN', 'bob', 'hunter2', 'dc_login'],
    ['CRAM-MD5', 'alice', 'secret', 'dc_cram'],
  ] as const;
  for (const [type, user, password, instance] of cases) {
    test(`AUTH ${type} (${instance}): right password 235, the message is logged with A=`, async () => {
      const r = await auth(type, user, password);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(r.replies.includes('235 Authentication succeeded'), r.stdout);
      assert.ok(r.id, r.stdout);
      const line = await d.arrivalLine(r.id);
      assert.match(line, new RegExp(` P=esmtpa A=${instance}:${user} `));
    });
  }

  test('server_condition still decides after Dovecot said OK', async () => {
    const r = await auth('CRAM-MD5', 'carol', 'pw', ['--quit-after', 'AUTH']);
    assert.ok(r.replies.includes('535 Incorrect authentication data'), r.stdout);
  });

  for (const [type, user, , instance] of cases) {
    test(`AUTH ${type} (${instance}): wrong password 535 and the reject log line`, async () => {
      const r = await auth(type, user, 'wrong', ['--quit-after', 'AUTH']);
      assert.ok(r.replies.includes('535 Incorrect authentication data'), r.stdout);
      // Dovecot names the user on FAIL, which is $auth1 for server_set_id.
      const line = await d.waitForLog(new RegExp(`${instance} authenticator failed for .*\\(set_id=${user}\\)`), 'reject');
      assert.match(line, new RegExp(`${instance} authenticator failed for \\(client\\.example\\.net\\) \\[127\\.0\\.0\\.1\\]: 535 Incorrect authentication data \\(set_id=${user}\\)$`));
    });
  }

  test('a mechanism Dovecot does not offer: 435, and the log says so', async () => {
    const r = await swaks(d, ['--auth', 'DIGEST-MD5', '--auth-user', 'alice', '--auth-password', 'secret', '--quit-after', 'AUTH']);
    assert.ok(r.replies.includes('435 Unable to authenticate at present'), r.stdout);
    const line = await d.waitForLog(/dc_digest authenticator failed/, 'reject');
    assert.match(line, /dc_digest authenticator failed for \(client\.example\.net\) \[127\.0\.0\.1\]: 435 Unable to authenticate at present: Dovecot did not advertise mechanism "DIGEST-MD5" to us$/);
  });

  test('-bs (a local caller: no addresses for Dovecot): PLAIN with initial data', async () => {
    const t = ternSetup({ config: config(dc) });
    try {
      const r = t.tern(['-bs'], [
        'EHLO client.example.net', `AUTH PLAIN ${Buffer.from('\0alice\0secret').toString('base64')}`, 'RSET', 'QUIT', '',
      ].join('\r\n'));
      assert.match(r.stdout, /^235 Authentication succeeded\r$/m, r.stdout + r.stderr);
    } finally {
      t.remove();
    }
  });

  test('the auth-master socket instead of auth-client: 435, "socket type mismatch"', async () => {
    const c = await SmtpClient.connect(d.port);
    try {
      assert.equal((await c.reply())?.code, 220);
      assert.equal((await c.command('EHLO client.example.net')).code, 250);
      const r = await c.command(`AUTH X-MASTER ${Buffer.from('\0alice\0secret').toString('base64')}`);
      assert.equal(r.raw, '435 Unable to authenticate at present');
    } finally {
      c.close();
    }
    const line = await d.waitForLog(/dc_master authenticator failed/, 'reject');
    assert.match(line, /dc_master authenticator failed for \(client\.example\.net\) \[127\.0\.0\.1\]: 435 Unable to authenticate at present: authentication socket type mismatch \(connected to auth-master instead of auth-client\)$/);
  });
});

describe('dovecot authenticator when Dovecot is down', { skip }, () => {
  let dc: Dovecot;
  let d: TernDaemon;
  before(async () => {
    dc = await startDovecot({ alice: 'secret' });
    d = await startDaemon({ config: config(dc) });
    await dc.stop();
  });
  after(async () => {
    await d?.stop();
  });

  test('Unix socket gone: 435, "unable to connect to UNIX socket"', async () => {
    const r = await swaks(d, ['--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'secret', '--quit-after', 'AUTH']);
    assert.ok(r.replies.includes('435 Unable to authenticate at present'), r.stdout);
    const line = await d.waitForLog(/dc_plain authenticator failed/, 'reject');
    assert.ok(line.endsWith(`: 435 Unable to authenticate at present: unable to connect to UNIX socket (${dc.socket}): No such file or directory`), line);
  });

  test('inet listener gone: 435, "failed to connect to any address"', async () => {
    const r = await swaks(d, ['--auth', 'LOGIN', '--auth-user', 'alice', '--auth-password', 'secret', '--quit-after', 'AUTH']);
    assert.ok(r.replies.includes('435 Unable to authenticate at present'), r.stdout);
    const line = await d.waitForLog(/dc_login authenticator failed/, 'reject');
    assert.ok(line.endsWith(': 435 Unable to authenticate at present: failed to connect to any address for 127.0.0.1: Connection refused'), line);
  });
});
