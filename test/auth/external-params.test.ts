// The external and tls authenticators through their interface: where the
// data and the expanded parameters land, and how expansion failures end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authReply, loadAuthenticators, TlsServer } from '../../src/auth/index.ts';
import { b64, configFrom, run, sessionContext } from './helpers.ts';

const auths = loadAuthenticators(configFrom(`begin authenticators
ext:
  driver = external
  public_name = EXTERNAL
  server_param2 = \${if eq{$auth1}{forced}{\${if eq{x}{y}{}fail}}{\${if eq{$auth1}{err}{\${substr{x}{y}}}{p2:$auth1}}}}
  server_param3 = [$auth1|$auth2]
  server_condition = \${if eq{$auth1}{ok}{yes}{$auth3}}
  server_set_id = $auth1/$auth2/$auth3
ext_client:
  driver = external
  client_send = me
certauth:
  driver = tls
  server_param = \${if eq{$tls_in_peerdn}{forced}{\${if eq{x}{y}{}fail}}{\${if eq{$tls_in_peerdn}{err}{\${substr{x}{y}}}{one}}}}
  server_param3 = three:$auth1
  server_condition = \${if eq{$auth1}{one}}
  server_set_id = $auth1/$auth2/$auth3
`));

test('external: a server only with server_condition; tls: never advertised, public name from the instance', async () => {
  assert.deepEqual(auths.map((a) => [a.instanceName, a.publicName, a.driverName]), [['ext', 'EXTERNAL', 'external'], ['certauth', 'CERTAUTH', 'tls']]);
  assert.equal(await auths[1].advertise(sessionContext()), false);
  assert.equal(await auths[0].advertise(sessionContext()), true);
});

test('external: the identity in $auth1, server_param2 and server_param3 in $auth2 and $auth3, in order', async () => {
  const ok = await run(auths[0], b64('ok'));
  assert.equal(authReply(ok.outcome), '235 Authentication succeeded');
  assert.equal(ok.outcome.setId, 'ok/p2:ok/[ok|p2:ok]');
  assert.equal(ok.ctx.vars.get('auth1')?.tainted, true);
  // a non-boolean server_condition result defers with the text shown, as in Exim 4.98
  const other = await run(auths[0], b64('a\0b\0c\0d'));
  assert.equal(authReply(other.outcome), '435 Unable to authenticate at present: [a|p2:a]');
  assert.equal(other.ctx.vars.get('auth4')?.value, 'd');
});

test('external: forced failure of a parameter fails, another expansion error defers', async () => {
  const forced = await run(auths[0], b64('forced'));
  assert.deepEqual([forced.outcome.result, forced.outcome.setId], ['fail', 'forced//']);
  const err = await run(auths[0], b64('err'));
  assert.equal(authReply(err.outcome), '435 Unable to authenticate at present');
  assert.match(err.outcome.message!, /not a number/);
});

test('external: empty prompt when no data came with AUTH; bad base64; cancel', async () => {
  const prompted = await run(auths[0], undefined, [b64('ok')]);
  assert.deepEqual(prompted.client.prompts, ['']);
  assert.equal(prompted.outcome.result, 'ok');
  assert.equal(authReply((await run(auths[0], 'not base64!')).outcome), '501 Invalid base64 data');
  assert.equal(authReply((await run(auths[0], undefined, [null])).outcome), '501 Authentication cancelled');
});

test('tls: server_param (another name for server_param1) and server_param3, then server_condition', async () => {
  const tls = auths[1] as TlsServer;
  const ctx = sessionContext();
  ctx.vars.set('tls_in_peerdn', { value: 'CN=client', tainted: true });
  const ok = await tls.authenticate(ctx);
  assert.deepEqual([ok.result, ok.setId], ['ok', 'one//three:one']);
  ctx.vars.set('tls_in_peerdn', { value: 'forced', tainted: true });
  assert.equal((await tls.authenticate(ctx)).result, 'fail');
  ctx.vars.set('tls_in_peerdn', { value: 'err', tainted: true });
  const err = await tls.authenticate(ctx);
  assert.equal(err.result, 'defer');
  assert.match(err.message!, /not a number/);
});
