import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { authFailureLogText, authReply, cramDigest, loadAuthenticators } from '../../src/auth/index.ts';
import { b64, configFrom, run } from './helpers.ts';

const auths = loadAuthenticators(configFrom(`primary_hostname = mx.example.com
begin authenticators
cram:
  driver = cram_md5
  public_name = CRAM-MD5
  server_secret = \${if eq{$auth1}{user}{pw}{\${if eq{$auth1}{err}{\${substr{x}{y}}}fail}}}
  server_set_id = [$auth1|$auth2]
cond:
  driver = cram_md5
  server_secret = pw
  server_condition = \${if eq{$auth1}{user}{no}{yes}}
client_only:
  driver = cram_md5
  client_secret = x
`));
const cram = auths[0];

const answer = (user: string, secret: string) => (challenge: string) => b64(`${user} ${cramDigest(secret, challenge)}`);

test('RFC 2195 example digest', () => {
  assert.equal(cramDigest('tanstaaftanstaaf', '<1896.697170952@postoffice.reston.mci.net>'), 'b913a602c7eda7a495b4e6e7334d3890');
});

test('only instances with server_secret are servers', () => {
  assert.deepEqual(auths.map((a) => [a.instanceName, a.publicName]), [['cram', 'CRAM-MD5'], ['cond', 'COND']]);
});

test('challenge <number.time@primary_hostname>, right digest authenticates', async () => {
  const { outcome, client, ctx } = await run(cram, undefined, [answer('user', 'pw')]);
  assert.match(client.prompts[0], /^<\d+\.\d+@mx\.example\.com>$/);
  const t = Number(/\.(\d+)@/.exec(client.prompts[0])![1]);
  assert.ok(Math.abs(t - Date.now() / 1000) < 5);
  assert.equal(authReply(outcome), '235 Authentication succeeded');
  assert.equal(outcome.setId, '[user|]');
  assert.equal(ctx.vars.get('auth1')?.value, 'user');
  assert.equal(ctx.vars.get('auth1')?.tainted, true);
});

test('challenges differ between attempts', async () => {
  const a = await run(cram, undefined, [answer('user', 'pw')]);
  const b = await run(cram, undefined, [answer('user', 'pw')]);
  assert.notEqual(a.client.prompts[0], b.client.prompts[0]);
});

test('failures as Exim 4.98 reports them', async () => {
  const wrong = (await run(cram, undefined, [answer('user', 'bad')])).outcome;
  assert.equal(authFailureLogText('cram', 'root', wrong), 'cram authenticator failed for root: 535 Incorrect authentication data (set_id=[user|])');
  // unknown user: server_secret forced to fail
  assert.equal((await run(cram, undefined, [answer('nobody', 'pw')])).outcome.result, 'fail');
  // upper-case hex is not accepted
  assert.equal((await run(cram, undefined, [(c: string) => b64(`user ${cramDigest('pw', c).toUpperCase()}`)])).outcome.result, 'fail');
  // the user name ends at the first space
  const split = await run(cram, undefined, [(c: string) => b64(`us er ${cramDigest('pw', c)}`)]);
  assert.equal(split.outcome.result, 'fail');
  assert.equal(split.outcome.setId, '[us|]');
  // no digest at all, or an empty line
  const bare = await run(cram, undefined, [b64('user')]);
  assert.deepEqual([bare.outcome.result, bare.outcome.setId], ['fail', '[user|]']);
  const empty = await run(cram, undefined, ['']);
  assert.deepEqual([empty.outcome.result, empty.outcome.setId], ['fail', '[|]']);
  // server_secret expansion error defers
  const err = (await run(cram, undefined, [answer('err', 'pw')])).outcome;
  assert.equal(authReply(err), '435 Unable to authenticate at present');
  assert.match(err.message!, /not a number/);
});

test('initial data, "=", cancel and bad base64', async () => {
  const initial = await run(cram, b64('user x'));
  assert.equal(authReply(initial.outcome), '553 Initial data not expected');
  assert.deepEqual(initial.client.prompts, []);
  assert.equal(authFailureLogText('cram', 'root', initial.outcome), 'cram authenticator failed for root: 553 Initial data not expected');
  assert.equal((await run(cram, '=')).outcome.result, 'unexpected');
  assert.equal(authReply((await run(cram, undefined, [null])).outcome), '501 Authentication cancelled');
  const bad = (await run(cram, undefined, ['='])).outcome;
  assert.equal(authReply(bad), '501 Invalid base64 data');
  assert.equal(bad.setId, undefined);
});

test('server_condition applies after the digest matched', async () => {
  const cond = auths[1];
  assert.equal((await run(cond, undefined, [answer('user', 'pw')])).outcome.result, 'fail');
  assert.equal((await run(cond, undefined, [answer('other', 'pw')])).outcome.result, 'ok');
  assert.equal((await run(cond, undefined, [answer('other', 'bad')])).outcome.result, 'fail');
});

test('hostile user names and a secret with non-ASCII text', async () => {
  for (const name of ['__proto__', 'constructor']) {
    const r = await run(cram, undefined, [answer(name, 'pw')]);
    assert.equal(r.outcome.result, 'fail');
    assert.equal(r.outcome.setId, `[${name}|]`);
  }
  const utf = loadAuthenticators(configFrom('begin authenticators\nc:\n  driver = cram_md5\n  server_secret = pässwörd\n'))[0];
  const ok = await run(utf, undefined, [(c: string) => b64(`u ${crypto.createHmac('md5', Buffer.from('pässwörd', 'utf8')).update(c).digest('hex')}`)]);
  assert.equal(ok.outcome.result, 'ok');
});
