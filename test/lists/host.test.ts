// Host lists against a real DNS server (BIND on loopback, test/helpers):
// forward lookups of names, reverse lookups for wildcard and regex items,
// +ignore_unknown / +include_unknown, @mx_* in domain lists.

import { before, after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { clearDnsCache, setResolvers } from '../../src/dns/index.ts';
import { runSuspendable } from '../../src/util/suspend.ts';
import { matchDomainList, matchHostList, type HostSubject, type ListMatch } from '../../src/lists/index.ts';
import { listContext } from './helpers.ts';

let dns: DnsServer;
before(async () => {
  dns = await startDnsServer([
    {
      name: 'hl.test',
      records: ['friend A 192.0.2.10', 'mx1 A 127.0.0.1', 'far A 192.0.2.200', '@ MX 10 mx1', 'sec MX 10 far', 'sec MX 20 mx1', 'none A 192.0.2.201'],
    },
    { name: '2.0.192.in-addr.arpa', records: ['10 PTR friend.hl.test.', '11 PTR liar.hl.test.'] },
  ]);
});
after(async () => {
  setResolvers(null);
  await dns?.stop();
});
beforeEach(() => {
  clearDnsCache();
  setResolvers([{ host: dns.host, port: dns.port }]);
});

async function host(h: HostSubject, list: string): Promise<string> {
  const ctx = listContext();
  const r: ListMatch = await runSuspendable(ctx.memo, () => matchHostList(h, list, ctx));
  return r.result === 'ok' ? 'y' : r.result === 'fail' ? 'n' : 'defer';
}

test('host lists: addresses, names by forward lookup, names by reverse lookup', async () => {
  assert.equal(await host({ address: '192.0.2.10' }, '192.0.2.0/24'), 'y');
  assert.equal(await host({ address: '192.0.2.10' }, 'friend.hl.test'), 'y');
  assert.equal(await host({ address: '192.0.2.11' }, 'friend.hl.test'), 'n');
  assert.equal(await host({}, ':'), 'y'); // an empty item: no remote host
  assert.equal(await host({ address: '192.0.2.10' }, ':'), 'n');
  assert.equal(await host({ address: '192.0.2.10' }, '*'), 'y');
  const h: HostSubject = { address: '192.0.2.10' };
  assert.equal(await host(h, '*.hl.test'), 'y');
  assert.equal(h.name, 'friend.hl.test'); // found and remembered
  assert.equal(await host({ address: '192.0.2.10' }, '^friend\\.'), 'y');
  assert.equal(await host({ address: '192.0.2.10', name: 'given.example' }, '*.example'), 'y');
});

test('host lists: names that cannot be found', async () => {
  // 192.0.2.11's PTR names a host that does not resolve back to it: no name.
  assert.equal(await host({ address: '192.0.2.11' }, '*.hl.test : 192.0.2.11'), 'n');
  assert.equal(await host({ address: '192.0.2.11' }, '+ignore_unknown : *.hl.test : 192.0.2.11'), 'y');
  assert.equal(await host({ address: '192.0.2.11' }, '+include_unknown : *.enemy.test'), 'y');
  assert.equal(await host({ address: '192.0.2.11' }, '192.0.2.11 : *.hl.test'), 'y');
  assert.equal(await host({ address: '192.0.2.10' }, 'nonexistent.hl.test : 192.0.2.10'), 'n');
  assert.equal(await host({ address: '192.0.2.10' }, '+ignore_unknown : nonexistent.hl.test : 192.0.2.10'), 'y');
});

test('domain lists: @mx_any, @mx_primary, @mx_secondary', async () => {
  const dom = async (d: string, list: string): Promise<string> => {
    const ctx = listContext();
    const r = await runSuspendable(ctx.memo, () => matchDomainList(d, list, ctx));
    return r.result === 'ok' ? 'y' : r.result === 'fail' ? 'n' : 'defer';
  };
  assert.equal(await dom('hl.test', '@mx_any'), 'y');
  assert.equal(await dom('hl.test', '@mx_primary'), 'y');
  assert.equal(await dom('hl.test', '@mx_secondary'), 'n');
  assert.equal(await dom('sec.hl.test', '@mx_secondary'), 'y');
  assert.equal(await dom('sec.hl.test', '@mx_primary'), 'n');
  assert.equal(await dom('hl.test', '@mx_any/ignore=127.0.0.1'), 'n');
  assert.equal(await dom('none.hl.test', '@mx_any'), 'n');
});
