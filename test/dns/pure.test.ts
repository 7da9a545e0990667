// The resolver's pure parts: configuration parsing, names, addresses, cache.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolvConf, parseServerList, resolverConfig, setResolvers, setResolverOptions } from '../../src/dns/config.ts';
import { reverseName } from '../../src/dns/reverse.ts';
import { formatIpv6, ipv6Bytes } from '../../src/dns/ipv6.ts';
import { defaultNameCheck } from '../../src/dns/names.ts';
import { cacheGet, cachePut, cacheSize, clearDnsCache, CACHE_LIMIT } from '../../src/dns/cache.ts';
import { mergeAnswers } from '../../src/dns/hosts.ts';
import type { DnsAnswer } from '../../src/dns/types.ts';

describe('resolver configuration', () => {
  afterEach(() => {
    setResolvers(null);
    setResolverOptions({});
    delete process.env.TERN_RESOLVERS;
  });

  it('reads nameserver and options lines as glibc does', () => {
    const c = parseResolvConf([
      '# comment', 'search example.com', 'nameserver 10.0.0.1', 'nameserver ::1', 'nameserver fe80::1%eth0',
      'nameserver 10.0.0.4', 'nameserver not-an-ip', 'options rotate timeout:3 attempts:4 trust-ad',
    ].join('\n'));
    assert.deepEqual(c.servers, [{ host: '10.0.0.1', port: 53 }, { host: '::1', port: 53 }, { host: 'fe80::1', port: 53 }]);
    assert.equal(c.timeoutMs, 3000);
    assert.equal(c.attempts, 4);
  });

  it('defaults to 127.0.0.1, 5 s, 2 attempts', () => {
    assert.deepEqual(parseResolvConf(''), { servers: [{ host: '127.0.0.1', port: 53 }], timeoutMs: 5000, attempts: 2 });
  });

  it('parses TERN_RESOLVERS lists', () => {
    assert.deepEqual(parseServerList('127.0.0.1:5353, [::1]:54 10.1.1.1 ::2'), [
      { host: '127.0.0.1', port: 5353 }, { host: '::1', port: 54 }, { host: '10.1.1.1', port: 53 }, { host: '::2', port: 53 },
    ]);
    assert.throws(() => parseServerList('localhost:53'), /bad server/);
    assert.throws(() => parseServerList('127.0.0.1:70000'), /bad server/);
  });

  it('setResolvers beats TERN_RESOLVERS, which beats resolv.conf; options are clamped', () => {
    process.env.TERN_RESOLVERS = '127.0.0.9:5300';
    assert.deepEqual(resolverConfig().servers, [{ host: '127.0.0.9', port: 5300 }]);
    setResolvers([{ host: '127.0.0.8', port: 5301 }]);
    assert.deepEqual(resolverConfig().servers, [{ host: '127.0.0.8', port: 5301 }]);
    setResolverOptions({ timeoutMs: 10_000_000, attempts: 0 });
    assert.equal(resolverConfig().timeoutMs, 30_000);
    assert.equal(resolverConfig().attempts, 1);
  });
});

describe('addresses and names', () => {
  it('builds reverse names', () => {
    assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
    assert.equal(reverseName('2001:db8::1'),
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    assert.equal(reverseName('::ffff:192.0.2.1'),
      '1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa');
    assert.throws(() => reverseName('example.com'), /not an IP/);
  });

  it('prints IPv6 as inet_ntop does', () => {
    const t = (s: string) => formatIpv6(ipv6Bytes(s));
    assert.equal(t('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(t('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(t('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(t('::'), '::');
    assert.equal(t('::1'), '::1');
    assert.equal(t('1::'), '1::');
    assert.equal(t('::ffff:c000:201'), '::ffff:192.0.2.1');
    assert.equal(t('::c000:201'), '::192.0.2.1');
  });

  it('checks names like dns_check_names_pattern', () => {
    for (const ok of ['example.com', 'a.b', '_25._tcp.mx.example', 'x/y.example', 'a-b.c.', 'x']) assert.ok(defaultNameCheck(ok), ok);
    for (const bad of ['a..b', '-a.b', 'a-.b', 'a b.c', '', '.', 'a.b..']) assert.ok(!defaultNameCheck(bad), bad);
  });
});

describe('answer cache', () => {
  const answer: DnsAnswer = { status: 'ok', records: [], authenticated: false };
  afterEach(() => clearDnsCache());

  it('keeps an answer for its TTL only, and not at all for TTL 0', () => {
    cachePut('k', answer, 10, 1000);
    assert.equal(cacheGet('k', 10_999), answer);
    assert.equal(cacheGet('k', 11_000), undefined);
    cachePut('z', answer, 0, 1000);
    assert.equal(cacheGet('z', 1000), undefined);
  });

  it('is bounded', () => {
    for (let i = 0; i < CACHE_LIMIT + 50; i++) cachePut(`k${i}`, answer, 100, 0);
    assert.equal(cacheSize(), CACHE_LIMIT);
    assert.equal(cacheGet('k0', 1), undefined);
    assert.equal(cacheGet(`k${CACHE_LIMIT + 49}`, 1), answer);
  });
});

describe('merging AAAA and A answers', () => {
  const ans = (status: DnsAnswer['status'], data?: string, authenticated = false): DnsAnswer =>
    ({ status, records: data ? [{ name: 'h', type: 'A', ttl: 1, data }] : [], authenticated });
  it('finds if either finds; otherwise the most hopeful failure', () => {
    assert.equal(mergeAnswers([ans('again'), ans('ok', '1.2.3.4')]).status, 'ok');
    assert.equal(mergeAnswers([ans('nxdomain'), ans('again')]).status, 'again');
    assert.equal(mergeAnswers([ans('nxdomain'), ans('nodata')]).status, 'nodata');
    assert.equal(mergeAnswers([ans('nxdomain'), ans('nxdomain')]).status, 'nxdomain');
    assert.equal(mergeAnswers([ans('ok', 'x', true), ans('nodata', undefined, false)]).authenticated, false);
    assert.equal(mergeAnswers([ans('ok', 'x', true), ans('ok', 'y', true)]).authenticated, true);
  });
});
