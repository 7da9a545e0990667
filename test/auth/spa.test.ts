// The spa (NTLM) authenticator: MD4 and the NTLMv1 response against
// published vectors, the exchange driven through the interface with
// messages built here from the NTLM specification, and swaks (Authen::NTLM)
// against a tern daemon, with replies and log lines as Exim 4.98 gives
// them (TERN_INTEG_PROGRAM=exim4 runs the daemon part against it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { authFailureLogText, authReply, loadAuthenticators } from '../../src/auth/index.ts';
import { md4 } from '../../src/auth/md4.ts';
import { challengeMessage, ntHash, ntResponse } from '../../src/auth/spa.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { swaks } from '../integration/receiving-setup.ts';
import { configFrom, run, sessionContext } from './helpers.ts';

test('MD4: the RFC 1320 test suite', () => {
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [text, digest] of suite) assert.equal(md4(Buffer.from(text)).toString('hex'), digest, text);
  // lengths around the padding boundary
  for (const n of [55, 56, 63, 64, 65, 119, 120]) assert.equal(md4(Buffer.alloc(n, 0x61)).length, 16);
});

test('NT hash and NTLMv1 response: the example of the NTLM specification (password SecREt01)', () => {
  assert.equal(ntHash('SecREt01').toString('hex'), 'cd06ca7c7e10c99b1d33b7485a2ed808');
  assert.equal(ntResponse('SecREt01', Buffer.from('0123456789abcdef', 'hex')).toString('hex'), '25a98c1c31e81847466b29b2df4680f39958fb8c213a9cc6');
});

test('the challenge message: 48 bytes, type 2, flags 0x8201, the challenge at offset 24', () => {
  const m = challengeMessage(Buffer.from('0102030405060708', 'hex'));
  assert.equal(m.length, 48);
  assert.equal(m.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
  assert.equal(m.readUInt32LE(8), 2);
  assert.equal(m.readUInt32LE(20), 0x8201);
  assert.equal(m.subarray(24, 32).toString('hex'), '0102030405060708');
});

/** A type 1 (negotiate) message. */
function negotiate(): string {
  const m = Buffer.alloc(32);
  m.write('NTLMSSP\0', 0, 'latin1');
  m.writeUInt32LE(1, 8);
  m.writeUInt32LE(0xb207, 12);
  return m.toString('base64');
}

/** A type 3 (authenticate) message for user and an NT response, laid out as the specification says. */
function authenticate(user: string, nt: Buffer, opts: { ntOffset?: number; userLength?: number } = {}): string {
  const userBytes = Buffer.from(user, 'utf16le');
  const header = Buffer.alloc(64);
  header.write('NTLMSSP\0', 0, 'latin1');
  header.writeUInt32LE(3, 8);
  const put = (at: number, len: number, offset: number): void => {
    header.writeUInt16LE(len, at);
    header.writeUInt16LE(len, at + 2);
    header.writeUInt32LE(offset, at + 4);
  };
  const lm = Buffer.alloc(24);
  put(12, 24, 64); // LM response (not checked)
  put(20, 24, opts.ntOffset ?? 88); // NT response
  put(28, 0, 112); // domain
  put(36, opts.userLength ?? userBytes.length, 112); // user
  put(44, 0, 112 + userBytes.length); // workstation
  return Buffer.concat([header, lm, nt, userBytes]).toString('base64');
}

/** The client's part: answer the challenge message with the response for password. */
const respond = (user: string, password: string, opts = {}) => (challenge: string): string => {
  const m = Buffer.from(challenge, 'latin1');
  assert.equal(m.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
  return authenticate(user, ntResponse(password, m.subarray(24, 32)), opts);
};

const auths = loadAuthenticators(configFrom(`begin authenticators
ntlm:
  driver = spa
  public_name = NTLM
  server_password = \${if eq{$auth1}{alice}{s3cret}{\${if eq{$1}{err}{\${substr{x}{y}}}fail}}}
  server_set_id = <$1>
ntlm_cond:
  driver = spa
  public_name = X-NTLM
  server_password = s3cret
  server_condition = \${if eq{$auth1}{bob}{no}{yes}}
client_only:
  driver = spa
  client_username = u
  client_password = p
`));
const spa = auths[0];

test('only instances with server_password are servers; public_name as set', () => {
  assert.deepEqual(auths.map((a) => [a.instanceName, a.publicName]), [['ntlm', 'NTLM'], ['ntlm_cond', 'X-NTLM']]);
});

test('"334 NTLM supported" (not base64), then the challenge; the right response authenticates', async () => {
  const seen: string[] = [];
  const io = {
    async challenge(text: string) {
      seen.push(text);
      return seen.length === 1 ? negotiate() : respond('alice', 's3cret')(Buffer.from(text, 'base64').toString('latin1'));
    },
  };
  const ctx = sessionContext();
  const outcome = await spa.serve(io, undefined, ctx);
  assert.equal(seen[0], 'NTLM supported');
  assert.equal(Buffer.from(seen[1], 'base64').length, 48);
  assert.equal(authReply(outcome), '235 Authentication succeeded');
  assert.equal(outcome.setId, '<alice>');
  assert.equal(ctx.vars.get('auth1')?.value, 'alice');
  // $1 was the user name while server_password and server_set_id were expanded, and is restored after.
  assert.equal(ctx.numericVars, undefined);
});

test('the negotiate message on the AUTH line skips the first prompt; challenges differ', async () => {
  const a = await run(spa, negotiate(), [respond('alice', 's3cret')]);
  const b = await run(spa, negotiate(), [respond('alice', 's3cret')]);
  assert.equal(a.outcome.result, 'ok');
  assert.equal(a.client.prompts.length, 1);
  assert.notEqual(a.client.prompts[0].slice(24, 32), b.client.prompts[0].slice(24, 32));
});

test('failures: wrong password, unknown user, server_condition; every malformed message is a plain 535', async () => {
  const wrong = await run(spa, negotiate(), [respond('alice', 'wrong')]);
  assert.equal(authFailureLogText('ntlm', 'H=[192.0.2.1]', wrong.outcome), 'ntlm authenticator failed for H=[192.0.2.1]: 535 Incorrect authentication data (set_id=<alice>)');
  assert.equal((await run(spa, negotiate(), [respond('mallory', 's3cret')])).outcome.result, 'fail');
  assert.equal((await run(auths[1], negotiate(), [respond('bob', 's3cret')])).outcome.result, 'fail');
  assert.equal((await run(auths[1], negotiate(), [respond('carol', 's3cret')])).outcome.result, 'ok');
  // Cancelling and bad base64 are failures too with this driver, at either step.
  for (const replies of [[null], ['!!'], [negotiate(), null], [negotiate(), '!!']]) {
    const r = await run(spa, undefined, replies);
    assert.equal(authReply(r.outcome), '535 Incorrect authentication data', JSON.stringify(replies));
  }
  // a user name or NT response placed beyond Exim's 1092-byte structure
  assert.equal((await run(spa, negotiate(), [respond('alice', 's3cret', { ntOffset: 1070 })])).outcome.result, 'fail');
  assert.equal((await run(spa, negotiate(), [respond('alice', 's3cret', { userLength: 2000 })])).outcome.result, 'fail');
  // messages longer than Exim's structures
  assert.equal((await run(spa, Buffer.alloc(1061).toString('base64'), [])).outcome.result, 'fail');
  assert.equal((await run(spa, negotiate(), [Buffer.alloc(1093).toString('base64')])).outcome.result, 'fail');
});

test('server_password: an expansion error defers, logged as Exim 4.98 does ("reason not recorded")', async () => {
  const r = await run(spa, negotiate(), [respond('err', 'x')]);
  assert.equal(authReply(r.outcome), '435 Unable to authenticate at present');
  assert.equal(authFailureLogText('ntlm', '(client.example.net) [127.0.0.1]', r.outcome),
    'ntlm authenticator failed for (client.example.net) [127.0.0.1]: 435 Unable to authenticate at present (set_id=<err>): reason not recorded');
});

const haveNtlmClient = spawnSync('swaks', ['--support'], { encoding: 'utf8' }).stdout.includes('AUTH NTLM supported');

describe('swaks --auth NTLM against a daemon', { skip: haveNtlmClient ? undefined : 'swaks has no NTLM (apt-get install libauthen-ntlm-perl)' }, () => {
  let d: TernDaemon;
  before(async () => {
    d = await startDaemon({
      config: `
primary_hostname = mx.example.com
queue_only = true
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  accept authenticated = *
  deny
begin authenticators
spa:
  driver = spa
  public_name = NTLM
  server_password = \${if eq{$auth1}{alice}{s3cret}fail}
  server_set_id = $auth1
`,
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('right password: 235, the message logged with A=spa:alice', async () => {
    const r = await swaks(d, ['--auth', 'NTLM', '--auth-user', 'alice', '--auth-password', 's3cret']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.replies.includes('334 NTLM supported'), r.stdout);
    assert.ok(r.replies.includes('235 Authentication succeeded'), r.stdout);
    assert.match(await d.arrivalLine(r.id!), / P=esmtpa A=spa:alice /);
  });

  test('wrong password: 535 and the reject log line', async () => {
    const r = await swaks(d, ['--auth', 'NTLM', '--auth-user', 'alice', '--auth-password', 'nope', '--quit-after', 'AUTH']);
    assert.ok(r.replies.includes('535 Incorrect authentication data'), r.stdout);
    const line = await d.waitForLog(/spa authenticator failed/, 'reject');
    assert.match(line, /spa authenticator failed for \(client\.example\.net\) \[127\.0\.0\.1\]: 535 Incorrect authentication data \(set_id=alice\)$/);
  });
});
