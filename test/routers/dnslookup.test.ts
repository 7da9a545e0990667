import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setResolvers } from '../../src/dns/index.ts';
import { routeAddress } from '../../src/routers/index.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { configFrom, envFor, tempDir } from './helpers.ts';

const dir = tempDir();
let dns: DnsServer;

before(async () => {
  dns = await startDnsServer([
    { name: 'example.test', records: ['@ MX 10 mx1', '@ MX 20 mx2', 'mx1 A 198.51.100.1', 'mx2 A 198.51.100.2', 'plain A 198.51.100.3', 'ignored A 10.0.0.1'] },
    { name: 'selfmx.test', records: ['@ MX 5 loop', 'loop A 127.0.0.1'] },
  ]);
  setResolvers([{ host: dns.host, port: dns.port }]);
});
after(async () => {
  setResolvers(null);
  await dns?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const config = () => configFrom(dir, `
begin routers
dnslookup:
  driver = dnslookup
  transport = remote_smtp
  ignore_target_hosts = 10.0.0.0/8
  widen_domains = example.test
  no_more
begin transports
remote_smtp:
  driver = smtp
`);

describe('dnslookup router', () => {
  it('routes by MX records in preference order', async () => {
    const o = await routeAddress(envFor(config()), 'a@example.test');
    assert.equal(o[0].result, 'accept');
    assert.equal(o[0].transport, 'remote_smtp');
    assert.deepEqual(o[0].hosts?.map((h) => `${h.name} ${h.address} ${h.mx}`), ['mx1.example.test 198.51.100.1 10', 'mx2.example.test 198.51.100.2 20']);
  });

  it('falls back to the address records, and widens a domain that does not exist', async () => {
    const o = await routeAddress(envFor(config()), 'a@plain');
    assert.equal(o[0].result, 'accept');
    assert.equal(o[0].address.domain, 'plain.example.test');
    assert.deepEqual(o[0].hosts?.map((h) => h.address), ['198.51.100.3']);
  });

  it('declines (and with no_more fails as unrouteable) for an unknown domain or ignored hosts', async () => {
    const o = await routeAddress(envFor(config()), 'a@nowhere.invalid');
    assert.deepEqual([o[0].result, o[0].message], ['fail', 'Unrouteable address']);
    const ig = await routeAddress(envFor(config()), 'a@ignored.example.test');
    assert.equal(ig[0].result, 'fail');
  });

  it('defers when the lowest MX is this host (self = freeze) and logs it', async () => {
    const env = envFor(config());
    const o = await routeAddress(env, 'a@selfmx.test');
    assert.deepEqual([o[0].result, o[0].message], ['defer', 'lowest numbered MX record points to local host']);
    assert.deepEqual(env.logged, ['lowest numbered MX record points to local host: selfmx.test (while routing <a@selfmx.test>)']);
  });
});
