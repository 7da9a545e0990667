// match_ip and the IP helpers; expected values recorded from exim4 -be
// (${if match_ip{1.2.3.4}{1.2.3.0/24}{y}{n}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipKeyText, ipToString, matchIpList, netLookupKey, parseIp } from '../../src/lists/index.ts';
import { listContext, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const ctx = listContext([['host', 'hl1', '10.0.0.0/8']]);
const nl = writeFile(dir, 'nl', '10.1.2.0/24 net24\n10.1.2.3 exact\n');
const nl2 = writeFile(dir, 'nl2', '"10.1.2.0/24" a\n');
const n6 = writeFile(dir, 'n6', '0000.0000.0000.0000.0000.0000.0000.0001: dotted6\n');
const ipf = writeFile(dir, 'ipf', '1.2.3.4\n10.0.0.0/8\n');

const yn = (ip: string, list: string): string => {
  const r = matchIpList(ip, list, ctx);
  return r.result === 'ok' ? 'y' : r.result === 'fail' ? 'n' : `defer: ${r.message}`;
};

test('match_ip: addresses, networks, IPv6, negation', () => {
  const cases: [string, string, string][] = [
    ['1.2.3.4', '1.2.3.0/24', 'y'], ['1.2.4.4', '1.2.3.0/24', 'n'], ['1.2.3.4', '1.2.3.4', 'y'],
    ['::1', '<; ::1', 'y'], ['::1', '::::1', 'y'], ['2001:db8::5', '<; 2001:db8::/32', 'y'], ['2001:DB8::5', '<; 2001:db8::/32', 'y'],
    ['::ffff:1.2.3.4', '1.2.3.4', 'y'], ['1.2.3.4', '*', 'y'], ['1.2.3.4', '!1.2.3.4', 'n'], ['1.2.3.5', '!1.2.3.4', 'y'],
    ['10.5.5.5', '+hl1', 'y'], ['1.2.3.4', 'foo.example', 'n'], ['1.2.3.4', '1.2.3.999', 'n'], ['1.2.3.4', '', 'n'],
    ['', ':', 'y'], ['127.0.0.1', '@[]', 'y'], ['192.0.2.44', '@[]', 'n'], ['1.2.3.4', '1.2.3.4/0', 'y'],
    ['9.9.9.9', '0.0.0.0/0', 'y'], ['1.2.3.4', ' 1.2.3.4/24 ', 'y'], ['10.5.5.5', ipf, 'y'],
  ];
  for (const [ip, l, want] of cases) assert.equal(yn(ip, l), want, `${ip} in ${l}`);
});

test('match_ip: lookups are keyed by address (net- style)', () => {
  assert.equal(yn('10.1.2.3', `net24-lsearch;${nl}`), 'y');
  assert.equal(yn('10.1.2.3', `net-lsearch;${nl}`), 'y');
  assert.equal(yn('10.1.2.3', `lsearch;${nl}`), 'y');
  assert.equal(yn('10.1.2.3', `iplsearch;${nl2}`), 'y');
  assert.equal(yn('::1', `net-lsearch;${n6}`), 'y');
  assert.equal(
    yn('10.1.2.3', `net24-iplsearch;${nl2}`),
    'defer: "10.1.2.0/24" is not a valid iplsearch key (an IP address, with optional CIDR mask, is wanted): in a host list, use net-iplsearch as the search type',
  );
});

test('net lookup keys and address texts', () => {
  const v6 = parseIp('2001:db8::1')!;
  assert.equal(netLookupKey(parseIp('192.168.34.6')!, 24, 'lsearch'), '192.168.34.0/24');
  assert.equal(netLookupKey(parseIp('192.168.34.6')!, undefined, 'lsearch'), '192.168.34.6');
  assert.equal(netLookupKey(v6, undefined, 'lsearch'), '2001.0db8.0000.0000.0000.0000.0000.0001');
  assert.equal(netLookupKey(v6, 48, 'iplsearch'), '2001:0db8:0000:0000:0000:0000:0000:0000/48');
  assert.equal(ipKeyText(parseIp('::ffff:1.2.3.4')!, ':'), '0000:0000:0000:0000:0000:ffff:0102:0304');
  assert.equal(ipToString(v6), '2001:db8::1');
  assert.equal(ipToString(parseIp('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
  assert.equal(parseIp('1.2.3.04'), null);
  assert.equal(parseIp('1::2::3'), null);
  assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), null);
});
