// The named test helper itself: it serves the zones given, and stop() really stops it.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../helpers/dns-server.ts';
import { resolve, setResolvers, clearDnsCache } from '../../src/dns/index.ts';

it('starts named on a free port, answers, and is gone after stop()', async () => {
  const a = await startDnsServer([{ name: 'one.test', records: ['@ A 192.0.2.1', 'www CNAME @'] }]);
  const b = await startDnsServer([{ name: 'one.test', records: ['@ A 192.0.2.2'] }]);
  try {
    assert.notEqual(a.port, b.port);
    setResolvers([{ host: a.host, port: a.port }]);
    assert.deepEqual((await resolve('www.one.test', 'A')).records.map((r) => r.data), ['192.0.2.1']);
    setResolvers([{ host: b.host, port: b.port }]);
    assert.deepEqual((await resolve('one.test', 'A')).records.map((r) => r.data), ['192.0.2.2']);
  } finally {
    await a.stop();
    await b.stop();
    await a.stop(); // twice is harmless
  }
  clearDnsCache();
  setResolvers([{ host: a.host, port: a.port }]);
  assert.equal((await resolve('one.test', 'A', { timeoutMs: 200, retries: 1 })).status, 'again');
  setResolvers(null);
});

it('reports a zone named cannot load', async () => {
  await assert.rejects(startDnsServer([{ name: 'broken.test', records: ['@ A not-an-address'] }]), /could not load/);
});
