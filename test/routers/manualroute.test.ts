import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostItem } from '../../src/routers/manualroute.ts';

// Items as they are after list splitting ("host::1225" in a colon list arrives as "host:1225").
test('a host item may carry a port; IPv6 only in brackets', () => {
  assert.deepEqual(hostItem('host1.tld:1225'), { name: 'host1.tld', port: 1225 });
  assert.deepEqual(hostItem('host1.tld'), { name: 'host1.tld' });
  assert.deepEqual(hostItem('[10.1.1.1]:1225'), { name: '10.1.1.1', port: 1225 });
  assert.deepEqual(hostItem('[::1]:1226'), { name: '::1', port: 1226 });
  assert.deepEqual(hostItem('[::1]'), { name: '::1', port: undefined });
  assert.deepEqual(hostItem('2001:db8::25'), { name: '2001:db8::25' });
  assert.deepEqual(hostItem('dom1.tld/mx:1225'), { name: 'dom1.tld/mx', port: 1225 });
});
