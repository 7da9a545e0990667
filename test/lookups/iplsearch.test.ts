// iplsearch; expected values recorded from exim4 -be
// (${lookup{192.168.5.5}iplsearch{/f}{<$value>}{nf}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup } from '../../src/lookups/index.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const file = writeFile(
  dir,
  'ip1',
  '1.2.3.4:  one\n192.168.0.0/16: net192\n"abcd::cdab": v6one\n"abcd:abcd::/32"  v6net\n10.0.0.0/8\n192.168.1.0/24: later-and-narrower\n*: star\n',
);
const look = (key: string, spec = 'iplsearch'): string | null => doLookup(spec, key, ctx(), { file })?.value ?? null;

test('iplsearch: addresses, CIDR networks, IPv6 and the first match', () => {
  assert.equal(look('1.2.3.4'), 'one');
  assert.equal(look('192.168.5.5'), 'net192');
  assert.equal(look('192.168.1.1'), 'net192'); // first matching line, not the best
  assert.equal(look('abcd::cdab'), 'v6one');
  assert.equal(look('abcd:abcd:1::1'), 'v6net');
  assert.equal(look('ABCD:ABCD::2'), 'v6net');
  assert.equal(look('10.1.1.1'), '');
  assert.equal(look('9.9.9.9'), null);
  assert.equal(look('*'), 'star');
  assert.equal(look('::ffff:1.2.3.4'), 'one'); // IPv4-mapped
  assert.equal(look(''), null);
  assert.equal(look('9.9.9.9', 'iplsearch*'), 'star');
});

test('iplsearch: ret=full and bad keys', () => {
  assert.equal(look('192.168.1.1', 'iplsearch,ret=full'), '192.168.0.0/16: net192');
  assert.equal(look('abcd:abcd::1', 'iplsearch,ret=full'), 'abcd:abcd::/32  v6net');
  for (const bad of ['1.2.3.4/32', 'foo']) {
    assert.throws(() => look(bad), {
      name: 'LookupDefer',
      message: `"${bad}" is not a valid iplsearch key (an IP address, with optional CIDR mask, is wanted): in a host list, use net-iplsearch as the search type`,
    });
  }
});
