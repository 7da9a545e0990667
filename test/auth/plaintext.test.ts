import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authFailureLogText, authReply, findMechanism, loadAuthenticators, mailAuthAllowed, recordAuthOutcome } from '../../src/auth/index.ts';
import { b64, configFrom, run, sessionContext } from './helpers.ts';

// The same authenticators as the Exim 4.98 sessions the expectations were recorded from.
const CONFIG = `primary_hostname = mx.example.com
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if eq{$auth2}{err}{\${substr{x}{y}}}{\${if eq{$auth2}{ff}{\${if eq{a}{b}{x}fail}}{\${if eq{$auth2}{user}{\${if eq{$auth3}{pw}{yes}{no}}}{$auth2}}}}}}
  server_set_id = $auth2
  server_mail_auth_condition = \${if eq{$authenticated_id}{user}{yes}{no}}
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and {{eq{$auth1}{user}}{eq{$auth2}{pw}}}}
  server_set_id = $auth1
three:
  driver = plaintext
  server_prompts = a : b : c
  server_condition = no
  server_set_id = $auth1/$auth2/$auth3/$auth4
client_only:
  driver = plaintext
  client_send = ^u^p
`;

const auths = loadAuthenticators(configFrom(CONFIG));
const byName = (n: string) => auths.find((a) => a.instanceName === n)!;

test('server instances only, in order, public names upper-cased', () => {
  assert.deepEqual(auths.map((a) => [a.instanceName, a.publicName, a.driverName]), [
    ['plain', 'PLAIN', 'plaintext'], ['login', 'LOGIN', 'plaintext'], ['three', 'THREE', 'plaintext'],
  ]);
  assert.equal(findMechanism(auths, 'login')?.instanceName, 'login');
  assert.equal(findMechanism(auths, 'FOO'), undefined);
});

test('PLAIN with initial response: success sets $auth1..3 and set_id', async () => {
  const { outcome, client, ctx } = await run(byName('plain'), b64('\0user\0pw'));
  assert.deepEqual(client.prompts, []);
  assert.equal(outcome.result, 'ok');
  assert.equal(outcome.setId, 'user');
  assert.equal(outcome.setIdTainted, true);
  assert.equal(authReply(outcome), '235 Authentication succeeded');
  assert.deepEqual(['auth1', 'auth2', 'auth3'].map((n) => ctx.vars.get(n)?.value), ['', 'user', 'pw']);
  assert.equal(ctx.vars.get('auth2')?.tainted, true);
  recordAuthOutcome(ctx, byName('plain'), outcome);
  assert.equal(ctx.vars.get('authenticated_id')?.value, 'user');
  assert.equal(ctx.vars.get('sender_host_authenticated')?.value, 'plain');
});

test('PLAIN wrong password: 535 and the log line Exim writes', async () => {
  const { outcome } = await run(byName('plain'), b64('\0user\0bad'));
  assert.equal(authReply(outcome), '535 Incorrect authentication data');
  assert.equal(authFailureLogText('plain', 'root', outcome), 'plain authenticator failed for root: 535 Incorrect authentication data (set_id=user)');
  const ctx = sessionContext();
  recordAuthOutcome(ctx, byName('plain'), outcome);
  assert.equal(ctx.vars.get('authenticated_fail_id')?.value, 'user');
  assert.equal(ctx.vars.get('authenticated_id'), undefined);
});

test('server_condition: forced fail fails; other strings defer showing the string; errors defer with the log message', async () => {
  assert.equal((await run(byName('plain'), b64('\0ff\0pw'))).outcome.result, 'fail');
  for (const [u, want] of [['yes', 'ok'], ['no', 'fail'], ['0', 'fail'], ['1', 'ok'], ['TRUE', 'ok'], ['False', 'fail'], ['', 'fail']] as const) {
    assert.equal((await run(byName('plain'), b64(`\0${u}\0pw`))).outcome.result, want, u);
  }
  const other = (await run(byName('plain'), b64('\0a b\0pw'))).outcome;
  assert.equal(authReply(other), '435 Unable to authenticate at present: a b');
  assert.equal(authFailureLogText('plain', 'root', other), 'plain authenticator failed for root: 435 Unable to authenticate at present (set_id=a b): a b');
  const err = (await run(byName('plain'), b64('\0err\0pw'))).outcome;
  assert.equal(authReply(err), '435 Unable to authenticate at present');
  assert.equal(authFailureLogText('plain', 'root', err),
    'plain authenticator failed for root: 435 Unable to authenticate at present (set_id=err): "x" is not a number (in "substr" expansion)');
});

test('PLAIN without initial data: empty prompt, then the data; "*" cancels; bad base64 gives 501', async () => {
  const { outcome, client } = await run(byName('plain'), undefined, [b64('\0user\0pw')]);
  assert.deepEqual(client.prompts, ['']);
  assert.equal(outcome.result, 'ok');
  const cancelled = (await run(byName('plain'), undefined, [null])).outcome;
  assert.equal(authReply(cancelled), '501 Authentication cancelled');
  assert.equal(authFailureLogText('plain', 'root', cancelled), 'plain authenticator failed for root: 501 Authentication cancelled');
  assert.equal(authReply((await run(byName('plain'), undefined, ['a'])).outcome), '501 Invalid base64 data');
  assert.equal(authReply((await run(byName('plain'), '!!!')).outcome), '501 Invalid base64 data');
  assert.equal((await run(byName('plain'), 'AGFhAHBw extra')).outcome.result, 'bad64');
  assert.equal((await run(byName('plain'), 'AGFhAHB')).outcome.result, 'bad64');
});

test('base64 as Exim reads it: white space skipped, "=" alone is empty data', async () => {
  const spaced = await run(byName('plain'), 'AGEA YgA=');
  assert.deepEqual(['auth1', 'auth2', 'auth3'].map((n) => spaced.ctx.vars.get(n)?.value), ['', 'a', 'b']);
  const eq = await run(byName('plain'), '=');
  assert.equal(eq.outcome.result, 'fail');
  assert.deepEqual(eq.client.prompts, []);
  const emptyReply = await run(byName('plain'), undefined, ['']);
  assert.equal(emptyReply.outcome.result, 'fail');
  assert.equal(emptyReply.outcome.setId, '');
});

test('LOGIN: prompts Username: and Password: (escaped colons), data as $auth1/$auth2', async () => {
  const { outcome, client, ctx } = await run(byName('login'), undefined, [b64('user'), b64('pw')]);
  assert.deepEqual(client.prompts, ['Username:', 'Password:']);
  assert.equal(outcome.result, 'ok');
  assert.equal(outcome.setId, 'user');
  assert.equal(ctx.vars.get('auth2')?.value, 'pw');
  // user name given with the command: only the password is asked for
  const early = await run(byName('login'), b64('user'), [b64('pw')]);
  assert.deepEqual(early.client.prompts, ['Password:']);
  assert.equal(early.outcome.result, 'ok');
  const cancelled = await run(byName('login'), undefined, [b64('user'), null]);
  assert.equal(cancelled.outcome.result, 'cancelled');
});

test('prompts skipped by the number of strings received; four $auth variables kept', async () => {
  const a = await run(byName('three'), b64('a\0b'), [b64('c')]);
  assert.deepEqual(a.client.prompts, ['c']);
  assert.equal(a.outcome.setId, 'a/b/c/');
  const b = await run(byName('three'), b64('fail'), [b64('c\0d')]);
  assert.deepEqual(b.client.prompts, ['b']);
  assert.equal(b.outcome.setId, 'fail/c/d/');
  const c = await run(byName('three'), b64('1\x002\x003\x004\x005'));
  assert.equal(c.outcome.setId, '1/2/3/4');
});

test('hostile user names: __proto__, constructor, NULs and bytes that are not UTF-8', async () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const { outcome, ctx } = await run(byName('plain'), b64(`\0${name}\0pw`));
    assert.equal(outcome.result, 'defer');
    assert.equal(outcome.userMessage, name);
    assert.equal(ctx.vars.get('auth2')?.value, name);
    const login = await run(byName('login'), undefined, [b64(name), b64('pw')]);
    assert.equal(login.outcome.result, 'fail');
    assert.equal(login.outcome.setId, name);
  }
  const raw = await run(byName('login'), undefined, [Buffer.from([0xff, 0x41]).toString('base64'), b64('pw')]);
  assert.equal(raw.outcome.setId, '\udcffA');
});

test('server_mail_auth_condition and advertise conditions', async () => {
  const ctx = sessionContext();
  ctx.vars.set('authenticated_id', { value: 'user', tainted: true });
  assert.equal(await mailAuthAllowed(byName('plain'), ctx), true);
  ctx.vars.set('authenticated_id', { value: 'other', tainted: true });
  assert.equal(await mailAuthAllowed(byName('plain'), ctx), false);
  assert.equal(await mailAuthAllowed(byName('login'), ctx), true);

  const adv = loadAuthenticators(configFrom(`begin authenticators
bad:
  driver = plaintext
  server_condition = yes
  server_advertise_condition = \${substr{x}{y}}
maybe:
  driver = plaintext
  server_condition = yes
  server_advertise_condition = maybe
forced:
  driver = plaintext
  server_condition = yes
  server_advertise_condition = \${if eq{a}{b}{x}fail}
tls:
  driver = plaintext
  server_condition = yes
  server_advertise_condition = \${if def:tls_in_cipher}
`));
  const logged: string[] = [];
  const ectx = sessionContext();
  const shown = [];
  for (const a of adv) if (await a.advertise(ectx, (t) => logged.push(t))) shown.push(a.publicName);
  assert.deepEqual(shown, ['MAYBE']);
  assert.deepEqual(logged, ['failed to expand condition "${substr{x}{y}}" for bad authenticator: "x" is not a number (in "substr" expansion)']);
  ectx.vars.set('tls_in_cipher', { value: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', tainted: false });
  assert.equal(await adv[3].advertise(ectx), true);
});

test('drivers tern does not implement load, and say so when used', async () => {
  const list = loadAuthenticators(configFrom(`begin authenticators
sasl:
  driver = cyrus_sasl
  public_name = PLAIN
  server_mech = PLAIN
spa_client:
  driver = spa
  client_username = x
`));
  assert.equal(list.length, 1);
  assert.equal(list[0].implemented, false);
  const { outcome } = await run(list[0], b64('\0u\0p'));
  assert.equal(authReply(outcome), '435 Internal error');
  assert.equal(outcome.message, 'authenticator driver cyrus_sasl not implemented yet');
});
