// The stub resolver against a real BIND named (test/helpers/dns-server.ts);
// fake sockets only for faults named cannot produce (silence, spoofing).

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { TEST_ZONES } from './test-zones.ts';
import {
  resolve, resolveSync, setResolvers, clearDnsCache, lookupMx, lookupHostAddresses, lookupPtr,
  lookupMxSync, lookupHostAddressesSync,
} from '../../src/dns/index.ts';
import { udpExchange } from '../../src/dns/transport.ts';
import { buildQuery } from '../../src/dns/wire.ts';
import { AsyncMemo, Suspend, runSuspendable } from '../../src/util/suspend.ts';

let dns: DnsServer;
const useNamed = () => setResolvers([{ host: dns.host, port: dns.port }]);

before(async () => {
  dns = await startDnsServer(TEST_ZONES);
});
after(async () => {
  setResolvers(null);
  await dns?.stop();
});
beforeEach(() => {
  clearDnsCache();
  useNamed();
});

const sorted = (xs: (string | undefined)[]) => [...xs].map(String).sort();

describe('record types', () => {
  it('A and AAAA', async () => {
    const a = await resolve('mail.example.test', 'A');
    assert.equal(a.status, 'ok');
    assert.deepEqual(a.records.map((r) => [r.name, r.type, r.data]), [['mail.example.test', 'A', '192.0.2.1']]);
    assert.ok(a.records[0]!.ttl > 0 && a.records[0]!.ttl <= 300);
    const aaaa = await resolve('mail.example.test.', 'AAAA');
    assert.deepEqual(aaaa.records.map((r) => r.data), ['2001:db8::1']);
  });

  it('MX, SRV, TLSA, SOA fields', async () => {
    const mx = await resolve('example.test', 'MX');
    assert.deepEqual(mx.records.map((r) => [r.priority, r.exchange]), [[10, 'mail.example.test']]);
    const srv = await resolve('_smtp._tcp.example.test', 'SRV');
    assert.deepEqual(srv.records.map((r) => [r.priority, r.weight, r.port, r.exchange]), [[5, 10, 25, 'mail.example.test']]);
    const tlsa = await resolve('_25._tcp.mail.example.test', 'TLSA');
    assert.deepEqual(tlsa.records.map((r) => [r.usage, r.selector, r.matchingType, r.certificate]),
      [[3, 1, 1, '0123456789abcdef'.repeat(4)]]);
    const soa = await resolve('example.test', 'SOA');
    const s = soa.records[0]!;
    assert.deepEqual([s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum],
      ['ns.tern-test-server', 'hostmaster.example.test', 2024010101, 3600, 600, 86400, 60]);
  });

  it('TXT and SPF keep their character-strings apart', async () => {
    assert.deepEqual((await resolve('multi.example.test', 'TXT')).records[0]!.strings, ['part one', 'part two']);
    assert.deepEqual((await resolve('spf.example.test', 'SPF')).records[0]!.strings, ['v=spf1 ', '-all']);
  });

  it('NS, PTR, CNAME', async () => {
    assert.deepEqual(sorted((await resolve('example.test', 'NS')).records.map((r) => r.data)),
      ['ns1.example.test', 'ns2.other.test']);
    assert.deepEqual((await resolve('1.2.0.192.in-addr.arpa', 'PTR')).records.map((r) => r.data), ['mail.example.test']);
    assert.deepEqual((await resolve('alias.example.test', 'CNAME')).records.map((r) => r.data), ['mail.example.test']);
  });

  it('follows a CNAME chain to the records asked for', async () => {
    const a = await resolve('alias.example.test', 'A');
    assert.deepEqual(a.records.map((r) => [r.name, r.data]), [['mail.example.test', '192.0.2.1']]);
  });

  it('chases a CNAME target itself when an authoritative server leaves it out', async () => {
    setResolvers([{ host: dns.authHost, port: dns.authPort }]);
    const a = await resolve('ext.example.test', 'A');
    assert.equal(a.status, 'ok');
    assert.deepEqual(a.records.map((r) => r.data), ['192.0.2.77']);
    assert.equal(a.authoritative, true);
  });
});

describe('negative answers', () => {
  it('NXDOMAIN and NODATA are told apart, with the zone SOA', async () => {
    const nx = await resolve('nothere.example.test', 'A');
    assert.equal(nx.status, 'nxdomain');
    assert.equal(nx.authority?.find((r) => r.type === 'SOA')?.name, 'example.test');
    assert.equal((await resolve('mail.example.test', 'MX')).status, 'nodata');
    assert.equal((await resolve('dangling.example.test', 'A')).status, 'nxdomain');
    assert.equal((await resolve('no.such.tld', 'A')).status, 'nxdomain');
  });

  it('a name failing the default syntax check is not found without a query', async () => {
    setResolvers([{ host: '127.0.0.1', port: 9 }]); // nothing listens: a real query would be "again"
    assert.equal((await resolve('-bad.example.test', 'MX', { timeoutMs: 100, retries: 1 })).status, 'nxdomain');
    assert.equal((await resolve('a..b', 'A')).status, 'nxdomain');
  });

  it('a name that cannot be encoded is a hard failure', async () => {
    assert.equal((await resolve(`${'a'.repeat(64)}.test`, 'A')).status, 'fail');
    assert.equal((await resolve('a..b', 'TXT')).status, 'fail'); // TXT skips the syntax check
  });
});

describe('transport', () => {
  it('a TXT RRset over 512 bytes is truncated over UDP and fetched whole over TCP', async () => {
    const q = buildQuery(4242, 'big.example.test', 'TXT', false);
    const udp = await udpExchange({ host: dns.host, port: dns.port }, q.bytes, 2000, (m) => m);
    assert.equal(udp.kind, 'reply');
    if (udp.kind === 'reply') assert.equal(dnsPacket.decode(udp.value).flag_tc, true);
    const txt = await resolve('big.example.test', 'TXT');
    assert.equal(txt.status, 'ok');
    assert.deepEqual(sorted(txt.records.map((r) => r.strings!.join('|'))),
      [`${'x'.repeat(200)}|${'y'.repeat(200)}`, 'z'.repeat(200)]);
  });

  it('a silent server times out to "again" within the bound', async () => {
    const silent = await fakeServer(() => null);
    try {
      setResolvers([{ host: '127.0.0.1', port: silent.port }]);
      const t0 = Date.now();
      const got = await resolve('mail.example.test', 'A', { timeoutMs: 150, retries: 2 });
      const took = Date.now() - t0;
      assert.equal(got.status, 'again');
      assert.equal(silent.queries(), 2);
      assert.ok(took >= 250 && took < 1500, `took ${took}ms`);
    } finally {
      silent.close();
    }
  });

  it('falls over to the next server', async () => {
    const silent = await fakeServer(() => null);
    try {
      setResolvers([{ host: '127.0.0.1', port: silent.port }, { host: dns.host, port: dns.port }]);
      const got = await resolve('mail.example.test', 'A', { timeoutMs: 150, retries: 1 });
      assert.deepEqual(got.records.map((r) => r.data), ['192.0.2.1']);
    } finally {
      silent.close();
    }
  });

  it('ignores a reply with the wrong id or question, and takes the right one', async () => {
    const spoofer = await fakeServer((query) => [
      answerFor(query, { id: (query.id! + 1) & 0xffff, address: '6.6.6.6' }),
      answerFor(query, { name: 'evil.example.test', address: '6.6.6.7' }),
      answerFor(query, { address: '192.0.2.200' }),
    ]);
    try {
      setResolvers([{ host: '127.0.0.1', port: spoofer.port }]);
      const got = await resolve('mail.example.test', 'A', { timeoutMs: 500, retries: 1 });
      assert.deepEqual(got.records.map((r) => r.data), ['192.0.2.200']);
    } finally {
      spoofer.close();
    }
  });

  it('uses a fresh random id for each query', async () => {
    const ids: number[] = [];
    const server = await fakeServer((q) => {
      ids.push(q.id!);
      return null;
    });
    try {
      setResolvers([{ host: '127.0.0.1', port: server.port }]);
      await resolve('mail.example.test', 'A', { timeoutMs: 30, retries: 4 });
      assert.equal(ids.length, 4);
      assert.ok(new Set(ids).size > 1);
    } finally {
      server.close();
    }
  });
});

describe('server failures', () => {
  it('SERVFAIL (a zone failing validation) is "again"', async () => {
    assert.equal((await resolve('bogus.test', 'A', { dnssec: true })).status, 'again');
  });

  it('REFUSED is "again"', async () => {
    setResolvers([{ host: dns.authHost, port: dns.authPort }]);
    assert.equal((await resolve('refused.test', 'A', { retries: 1 })).status, 'again');
  });
});

describe('DNSSEC', () => {
  it('reports the AD bit when DO is asked for', async () => {
    const signed = await resolve('signed.test', 'A', { dnssec: true });
    assert.deepEqual([signed.status, signed.authenticated], ['ok', true]);
    assert.equal((await resolve('signed.test', 'MX', { dnssec: true })).authenticated, true);
    assert.equal((await resolve('signed.test', 'A')).authenticated, false);
    assert.equal((await resolve('mail.example.test', 'A', { dnssec: true })).authenticated, false);
  });
});

describe('cache', () => {
  it('answers a repeated query from the cache', async () => {
    let count = 0;
    const server = await fakeServer((q) => {
      count++;
      return [answerFor(q, { address: '192.0.2.99', ttl: 60 })];
    });
    try {
      setResolvers([{ host: '127.0.0.1', port: server.port }]);
      const [a, b] = await Promise.all([resolve('c.example.test', 'A'), resolve('C.example.test.', 'A')]);
      const c = await resolve('c.example.test', 'A');
      assert.deepEqual([a, b, c].map((x) => x.records[0]!.data), ['192.0.2.99', '192.0.2.99', '192.0.2.99']);
      assert.equal(count, 1);
      clearDnsCache();
      await resolve('c.example.test', 'A');
      assert.equal(count, 2);
    } finally {
      server.close();
    }
  });
});

describe('synchronous use through a memo', () => {
  it('suspends, then replays with the answer', async () => {
    const memo = new AsyncMemo();
    assert.throws(() => resolveSync(memo, 'mail.example.test', 'A'), (e) => e instanceof Suspend);
    const data = await runSuspendable(memo, () => [
      resolveSync(memo, 'mail.example.test', 'A').records[0]!.data,
      lookupMxSync(memo, 'multimx.example.test').records.map((r) => r.exchange).join(' '),
      lookupHostAddressesSync(memo, 'mail.example.test').records.map((r) => r.data).join(' '),
    ]);
    assert.deepEqual(data, ['192.0.2.1', 'a.example.test b.example.test', '2001:db8::1 192.0.2.1']);
  });
});

describe('helpers', () => {
  it('lookupMx sorts by preference', async () => {
    for (let i = 0; i < 3; i++) {
      clearDnsCache();
      const mx = await lookupMx('multimx.example.test');
      assert.deepEqual(mx.records.map((r) => [r.priority, r.exchange]), [[10, 'a.example.test'], [20, 'b.example.test']]);
    }
  });

  it('lookupHostAddresses merges AAAA and A', async () => {
    assert.deepEqual((await lookupHostAddresses('mail.example.test')).records.map((r) => r.data), ['2001:db8::1', '192.0.2.1']);
    assert.deepEqual((await lookupHostAddresses('v4only.example.test')).records.map((r) => r.data), ['192.0.2.2']);
    assert.equal((await lookupHostAddresses('nothere.example.test')).status, 'nxdomain');
  });

  it('lookupPtr reverses IPv4 and IPv6 addresses', async () => {
    assert.deepEqual((await lookupPtr('192.0.2.1')).records.map((r) => r.data), ['mail.example.test']);
    assert.deepEqual((await lookupPtr('2001:db8::1')).records.map((r) => r.data), ['mail.example.test']);
    assert.deepEqual(sorted((await lookupPtr('192.0.2.3')).records.map((r) => r.data)), ['alt.example.test', 'two.example.test']);
  });
});

// ---- a fake UDP server for faults -------------------------------------------

interface Fake {
  port: number;
  queries(): number;
  close(): void;
}

/** A UDP server whose replies come from `reply` (null: stay silent). */
function fakeServer(reply: (query: dnsPacket.DecodedPacket) => Buffer[] | null): Promise<Fake> {
  return new Promise((resolveFake) => {
    const sock: Socket = createSocket('udp4');
    let count = 0;
    sock.on('message', (msg, rinfo) => {
      count++;
      const answers = reply(dnsPacket.decode(msg));
      for (const a of answers ?? []) sock.send(a, rinfo.port, rinfo.address);
    });
    sock.bind(0, '127.0.0.1', () => {
      resolveFake({ port: sock.address().port, queries: () => count, close: () => sock.close() });
    });
  });
}

function answerFor(
  query: dnsPacket.DecodedPacket, o: { id?: number; name?: string; address: string; ttl?: number },
): Buffer {
  const q = query.questions![0]!;
  const name = o.name ?? q.name;
  return dnsPacket.encode({
    type: 'response',
    id: o.id ?? query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: q.type, name }],
    answers: [{ type: 'A', name, ttl: o.ttl ?? 30, data: o.address }],
  });
}
