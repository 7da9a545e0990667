// The iplookup router against lookup services on loopback (UDP and TCP):
// the default query and its check, response_pattern with reroute, a host that
// does not answer, optional, and the rewritten address going on to the next
// router.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { routeAddress } from '../../src/routers/index.ts';
import { configFrom, envFor, tempDir } from './helpers.ts';

const dir = tempDir();
let udp: dgram.Socket;
let tcp: net.Server;
let udpPort = 0;
let tcpPort = 0;
const seen: string[] = [];

/** The service: "joe@..." moves to the new domain; "stranger@..." gets an answer to another question. */
function answer(query: string): string {
  seen.push(query);
  const [addr] = query.split(' ');
  if (addr.startsWith('stranger@')) return `x@y.example someone@else.example`;
  if (addr.startsWith('domain@')) return 'moved.example';
  return `${addr.split('@')[0]}@new.example ${addr}`;
}

before(async () => {
  udp = dgram.createSocket('udp4');
  udp.on('message', (m, rinfo) => udp.send(answer(m.toString('latin1')), rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  udpPort = udp.address().port;
  tcp = net.createServer((s) => s.on('data', (d) => s.end(answer(d.toString('latin1')))));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  tcpPort = (tcp.address() as net.AddressInfo).port;
});

after(() => {
  udp?.close();
  tcp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(options: string[]): ReturnType<typeof configFrom> {
  return configFrom(dir, [
    'begin routers', 'ipl:', '  driver = iplookup', ...options.map((o) => `  ${o}`),
    'after:', '  driver = accept', '  transport = t',
    'begin transports', 't:', '  driver = smtp', '',
  ].join('\n'));
}

describe('iplookup router', () => {
  it('UDP, default query: the answer rewrites the address, which the next router takes', async () => {
    const out = await routeAddress(envFor(config(['hosts = localhost', `port = ${udpPort}`])), 'joe@old.example');
    assert.deepEqual(out.map((o) => [o.address.address, o.router]), [['joe@new.example', 'after']]);
    assert.equal(out[0].address.parent?.address, 'joe@old.example');
    assert.ok(seen.includes('joe@old.example joe@old.example'));
  });

  it('TCP; an answer to another question is declined', async () => {
    const c = config(['hosts = 127.0.0.1', `port = ${tcpPort}`, 'protocol = tcp']);
    assert.equal((await routeAddress(envFor(c), 'joe@old.example'))[0].address.address, 'joe@new.example');
    // declined by iplookup: "after" routes the original address
    const other = await routeAddress(envFor(c), 'stranger@old.example');
    assert.deepEqual(other.map((o) => [o.address.address, o.router]), [['stranger@old.example', 'after']]);
  });

  it('response_pattern and reroute with $1', async () => {
    const c = config(['hosts = 127.0.0.1', `port = ${udpPort}`, 'query = $local_part@$domain',
      'response_pattern = ^([^@ ]+)$', 'reroute = $local_part@$1']);
    assert.equal((await routeAddress(envFor(c), 'domain@old.example'))[0].address.address, 'domain@moved.example');
    const nomatch = await routeAddress(envFor(c), 'joe@old.example');
    assert.equal(nomatch[0].address.address, 'joe@old.example');
  });

  it('no answer: defer, or with optional the next router', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const base = ['hosts = 127.0.0.1', `port = ${silent.address().port}`, 'timeout = 1s'];
      const d = await routeAddress(envFor(config(base)), 'joe@old.example');
      assert.deepEqual([d[0].result, d[0].message], ['defer', 'ipl router: no response from any host']);
      const o = await routeAddress(envFor(config([...base, 'optional'])), 'joe@old.example');
      assert.deepEqual([o[0].result, o[0].router, o[0].address.address], ['accept', 'after', 'joe@old.example']);
    } finally {
      silent.close();
    }
  });
});
