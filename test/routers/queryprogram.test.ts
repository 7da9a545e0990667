// The queryprogram router with real commands (shell one-liners): each answer
// word, ACCEPT's fields, the failures Exim reports in its words (checked
// with exim4 -bt), the timeout, and command_user when running as root.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { routeAddress } from '../../src/routers/index.ts';
import { configFrom, envFor, tempDir } from './helpers.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(command: string, extra = ''): ReturnType<typeof configFrom> {
  return configFrom(dir, [
    'begin routers', 'q:', '  driver = queryprogram', `  command = ${command}`, '  command_user = nobody', '  transport = t', extra,
    'last:', '  driver = accept', '  transport = t',
    'begin transports', 't:', '  driver = smtp', 't2:', '  driver = smtp', '',
  ].join('\n'));
}

async function route(command: string, extra = '', address = 'Joe@Example.com') {
  const env = envFor(config(command, extra));
  const out = await routeAddress(env, address);
  return { out, env };
}

describe('queryprogram router', () => {
  it('accept, decline, pass, fail, defer and freeze', async () => {
    const accept = (await route('/bin/echo accept')).out;
    assert.deepEqual(accept.map((o) => [o.result, o.router, o.transport]), [['accept', 'q', 't']]);
    assert.equal((await route('/bin/echo decline')).out[0].router, 'last');
    assert.equal((await route('/bin/echo PASS')).out[0].router, 'last');
    const fail = (await route('/bin/echo fail no such user here')).out[0];
    assert.deepEqual([fail.result, fail.message], ['fail', 'no such user here']);
    const defer = (await route('/bin/echo defer busy now')).out[0];
    assert.deepEqual([defer.result, defer.message], ['defer', 'busy now']);
    assert.equal((await route('/bin/echo freeze stuck')).out[0].message, 'stuck');
  });

  it('ACCEPT fields: transport, data ($address_data), hosts with a port, byname from the hosts file', async () => {
    const { out } = await route('/bin/echo accept transport=t2 hosts=127.0.0.2::2525 data="rule 1"');
    assert.equal(out[0].transport, 't2');
    assert.equal(out[0].address.addressData, 'rule 1');
    assert.deepEqual(out[0].hosts, [{ name: '127.0.0.2', address: '127.0.0.2', mx: undefined, port: 2525 }]);
    const local = (await route('/bin/echo ACCEPT LOOKUP=byname HOSTS=localhost', '  self = send')).out[0];
    assert.equal(local.hosts?.[0].address, '127.0.0.1');
    const gone = (await route('/bin/echo accept hosts=nonexistent.invalid')).out[0];
    assert.deepEqual([gone.result, gone.message], ['defer', 'lookup of host "nonexistent.invalid" failed in q router']);
  });

  it('redirect: the rest of the line is a list of new addresses, routed from the first router again', async () => {
    // the children meet the same command, which redirects each once more; a router never handles an
    // address it generated itself, so the grandchildren go on to "last" (exim4 -bt lists the same leaves)
    const { out } = await route('/bin/echo redirect a@x.example, b@y.example');
    assert.ok(out.every((o) => o.router === 'last' && o.result === 'accept'));
    assert.deepEqual([...new Set(out.map((o) => o.address.address))].sort(), ['a@x.example', 'b@y.example']);
  });

  it('failures in Exim\'s words: bad yield (panic log), non-zero exit, no output, tainted argument', async () => {
    const bad = await route('/bin/echo bogus');
    const panics: string[] = [];
    bad.env.panic = (l) => panics.push(l);
    const again = await routeAddress(bad.env, 'Joe@Example.com');
    assert.deepEqual([again[0].result, again[0].message], ['defer', 'bad command yield: bogus ']);
    assert.deepEqual(panics, ['q router: bad command yield: bogus ']);
    assert.equal((await route('/bin/sh -c "echo accept; exit 3"')).out[0].message, 'q router: command returned non-zero code 3');
    assert.equal((await route('/nonexistent/cmd')).out[0].message, 'q router: command returned non-zero code 127');
    assert.equal((await route('/bin/sh -c exit')).out[0].message, 'q router: command failed to return data');
    assert.equal((await route('/bin/echo ${local_part}')).out[0].message, "Tainted arg 1 for queryprogram router command: 'joe'");
    assert.equal((await route('/bin/sh -c "echo \\$(id)"')).out[0].message,
      'Expansion of "echo $(id)" from command "/bin/sh -c "echo \\$(id)"" in queryprogram router failed: $ not followed by letter, digit, or {');
  });

  it('timeout: a command that runs too long is killed and the address deferred', async () => {
    const t0 = Date.now();
    const { out } = await route('/bin/sleep 20', '  timeout = 1s');
    assert.deepEqual([out[0].result, out[0].message], ['defer', 'q router: command timed out']);
    assert.ok(Date.now() - t0 < 10_000);
  });

  it('command_user: as root the command runs as that user', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root');
    const { out } = await route("/bin/sh -c 'echo accept data=\\$(id -un)'");
    assert.equal(out[0].address.addressData, 'nobody');
  });
});
