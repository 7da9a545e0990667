import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { routeAddress, type RouteOutcome } from '../../src/routers/index.ts';
import { configFrom, envFor, tempDir } from './helpers.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

fs.writeFileSync(path.join(dir, 'aliases'), [
  'postmaster: root',
  'multi: root, daemon@localhost, other@remote.test',
  'bad: :fail: no such person here',
  'later: :defer: try again later',
  'hole: :blackhole:',
  'file: /tmp/savefile',
  'pipe: "|/bin/cat"',
  'loop1: loop2',
  'loop2: loop1',
  'incl: :include:' + path.join(dir, 'list'),
  'unk: :unknown:',
  'filt: # Exim filter',
].join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'list'), 'root\n# comment\ndaemon\n');

const config = configFrom(dir, `
domainlist local_domains = @ : localhost : example.com
begin routers
lit:
  driver = ipliteral
  transport = remote_smtp
manual:
  driver = manualroute
  domains = manual.test
  route_list = * 192.0.2.7:192.0.2.8 byname
  transport = remote_smtp
selfish:
  driver = manualroute
  domains = self.test
  route_data = 127.0.0.1
  transport = remote_smtp
passing:
  driver = manualroute
  domains = pass.test
  route_data = 127.0.0.1
  self = pass
  transport = remote_smtp
  pass_router = localuser
aliases:
  driver = redirect
  domains = +local_domains
  data = \${lookup{$local_part}lsearch{${dir}/aliases}}
  allow_fail
  allow_defer
  file_transport = address_file
  pipe_transport = address_pipe
affixed:
  driver = accept
  local_part_prefix = owner-
  local_part_suffix = -*
  local_part_suffix_optional
  address_data = $local_part_prefix|$local_part|$local_part_suffix|$local_part_suffix_v
  transport = local_delivery
verify_only_router:
  driver = accept
  verify_only
  local_parts = vonly
  transport = local_delivery
localuser:
  driver = accept
  check_local_user
  domains = +local_domains : pass.test
  transport = local_delivery
  cannot_route_message = Unknown user
begin transports
remote_smtp:
  driver = smtp
local_delivery:
  driver = appendfile
  file = /tmp/x
address_file:
  driver = appendfile
address_pipe:
  driver = pipe
`);

async function route(address: string, extra = {}): Promise<RouteOutcome[]> {
  return routeAddress(envFor(config, extra), address);
}

function summary(o: RouteOutcome[]): string[] {
  return o.map((x) => `${x.fileOrPipe ?? x.address.address} ${x.result} ${x.router ?? '-'} ${x.transport ?? x.message ?? ''}`.trim());
}

describe('routing loop', () => {
  it('accepts a local user through check_local_user, and sets $local_part_data and $home', async () => {
    const env = envFor(config);
    const o = await routeAddress(env, 'root@localhost');
    assert.deepEqual(summary(o), ['root@localhost accept localuser local_delivery']);
    assert.equal(env.ctx.vars.get('local_part_data')?.value, 'root');
    assert.equal(env.ctx.vars.get('home')?.value, '/root');
    assert.equal(o[0].address.localPartData, 'root');
  });

  it('fails an unknown user with the last router\'s cannot_route_message', async () => {
    assert.deepEqual(summary(await route('nosuch@localhost')), ['nosuch@localhost fail - Unknown user']);
  });

  it('check_local_user is caseless unless caseful_local_part', async () => {
    assert.deepEqual(summary(await route('ROOT@LocalHost')), ['ROOT@LocalHost accept localuser local_delivery']);
  });

  it('redirects to several children, routed last-first, with qualification by qualify_recipient', async () => {
    assert.deepEqual(summary(await route('multi@localhost')), [
      'other@remote.test fail - Unknown user',
      'daemon@localhost accept localuser local_delivery',
      'root@mail.example.com accept localuser local_delivery',
    ]);
  });

  it(':fail:, :defer:, :blackhole:, :unknown:', async () => {
    assert.deepEqual(summary(await route('bad@localhost')), ['bad@localhost fail aliases no such person here']);
    assert.deepEqual(summary(await route('later@localhost')), ['later@localhost defer aliases try again later']);
    assert.deepEqual(summary(await route('hole@localhost')), ['hole@localhost discard aliases']);
    assert.deepEqual(summary(await route('unk@localhost')), ['unk@localhost fail - Unknown user']);
  });

  it('file and pipe items get file_transport and pipe_transport', async () => {
    assert.deepEqual(summary(await route('file@localhost')), ['/tmp/savefile accept aliases address_file']);
    assert.deepEqual(summary(await route('pipe@localhost')), ['|/bin/cat accept aliases address_pipe']);
  });

  it(':include: reads further items from a file', async () => {
    assert.deepEqual(summary(await route('incl@localhost')), [
      'daemon@mail.example.com accept localuser local_delivery',
      'root@mail.example.com accept localuser local_delivery',
    ]);
  });

  it('a redirection loop ends: the redirecting router is skipped for a repeated address', async () => {
    const o = await route('loop1@localhost');
    assert.equal(o.length, 1);
    assert.equal(o[0].address.address, 'loop2@mail.example.com');
    assert.equal(o[0].result, 'fail');
  });

  it('a filter file without allow_filter defers, as in Exim', async () => {
    const o = await route('filt@localhost');
    assert.equal(o[0].result, 'defer');
    assert.equal(o[0].message, 'error in filter file: filtering not enabled');
  });

  it('prefix and wildcard suffix are removed and exposed', async () => {
    const o = await route('owner-list-extra@elsewhere.test');
    assert.equal(o[0].router, 'affixed');
    assert.equal(o[0].address.addressData, 'owner-|list|-extra|extra');
    // The mandatory prefix is missing: the router is skipped.
    assert.equal((await route('list@elsewhere.test'))[0].result, 'fail');
  });

  it('verify_only routers run only when verifying; no_verify_recipient ones only when not', async () => {
    assert.equal((await route('vonly@other.test'))[0].result, 'fail');
    assert.equal((await route('vonly@other.test', { verify: 'recipient' }))[0].router, 'verify_only_router');
  });

  it('manualroute route_list gives hosts in order; ipliteral routes a literal', async () => {
    const o = await route('x@manual.test');
    assert.deepEqual(o[0].hosts?.map((h) => h.address), ['192.0.2.7', '192.0.2.8']);
    const lit = await route('x@[192.0.2.9]');
    assert.deepEqual(summary(lit), ['x@[192.0.2.9] accept lit remote_smtp']);
    assert.equal(lit[0].hosts?.[0].address, '192.0.2.9');
  });

  it('self = freeze defers and logs when the host is this host; self = pass goes to pass_router', async () => {
    const env = envFor(config);
    const o = await routeAddress(env, 'x@self.test');
    assert.deepEqual(summary(o), ['x@self.test defer selfish remote host address is the local host']);
    assert.deepEqual(env.logged, ['remote host address is the local host: self.test (while routing <x@self.test>)']);
    assert.deepEqual(summary(await route('root@pass.test')), ['root@pass.test accept localuser local_delivery']);
  });

  it('success_on_redirect style stop reports the redirection', async () => {
    const o = await route('multi@localhost', { stopAtRedirect: 'multiple' });
    assert.equal(o.length, 1);
    assert.equal(o[0].redirected, 3);
    const one = await route('postmaster@localhost', { stopAtRedirect: 'multiple' });
    assert.deepEqual(summary(one), ['root@mail.example.com accept localuser local_delivery']);
  });
});
