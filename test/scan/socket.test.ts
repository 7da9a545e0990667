// Scanner connections on loopback: address forms, Exim's failure texts,
// port ranges tried in order, and the ways an answer ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectScanner, exchange, parseScannerAddress, ScanSocketError } from '../../src/scan/socket.ts';
import { freePort } from '../helpers/tern-daemon.ts';

async function listen(onConnection: (c: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const open = new Set<net.Socket>();
  const server = net.createServer((c) => {
    open.add(c);
    onConnection(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const c of open) c.destroy();
      server.close();
    },
  };
}

test('addresses: a path, "host port", "host lo-hi", bracketed IPv6', () => {
  assert.deepEqual(parseScannerAddress('/run/clamd.sock'), { path: '/run/clamd.sock' });
  assert.deepEqual(parseScannerAddress(' 127.0.0.1 3310 '), { host: '127.0.0.1', ports: [3310, 3310] });
  assert.deepEqual(parseScannerAddress('localhost 10200-10204'), { host: 'localhost', ports: [10200, 10204] });
  assert.deepEqual(parseScannerAddress('[::1] 783'), { host: '::1', ports: [783, 783] });
  for (const bad of ['127.0.0.1', '127.0.0.1 x', '127.0.0.1 5-4', '127.0.0.1 70000', '']) assert.equal(parseScannerAddress(bad), undefined, bad);
});

test('connection failures in Exim\'s words', async () => {
  const port = await freePort();
  await assert.rejects(connectScanner({ host: '127.0.0.1', ports: [port, port] }, 2000),
    (e: unknown) => e instanceof ScanSocketError && e.message === 'failed to connect to any address for 127.0.0.1: Connection refused');
  const missing = path.join(os.tmpdir(), `tern-no-such-${process.pid}.sock`);
  await assert.rejects(connectScanner({ path: missing }, 2000),
    (e: unknown) => e instanceof ScanSocketError && e.message === `unable to connect to UNIX socket (${missing}): No such file or directory`);
});

test('a port range is tried in order until one answers; $callout_address names it', async () => {
  const server = await listen((c) => c.end('hello'));
  try {
    // a closed port just below the open one (skip the test's point if it happens to be in use)
    const lo = server.port - 1;
    const conn = await connectScanner({ host: '127.0.0.1', ports: [lo, server.port] }, 2000).catch(() => undefined);
    assert.ok(conn);
    assert.match(conn.calloutAddress, new RegExp(`^\\[127\\.0\\.0\\.1\\]:(${lo}|${server.port})$`));
    assert.equal((await exchange(conn.socket, [], Date.now() + 2000)).toString(), 'hello');
  } finally {
    server.close();
  }
});

test('an answer ends at end of stream, when `until` says so, or fails on time and size', async () => {
  const echo = await listen((c) => c.on('data', (d: Buffer) => c.write(d)));
  try {
    const conn = await connectScanner({ host: '127.0.0.1', ports: [echo.port, echo.port] }, 2000);
    const got = await exchange(conn.socket, [Buffer.from('ping\n')], Date.now() + 2000, { until: (b) => b.includes('\n') });
    assert.equal(got.toString(), 'ping\n');

    const silent = await connectScanner({ host: '127.0.0.1', ports: [echo.port, echo.port] }, 2000);
    const started = Date.now();
    await assert.rejects(exchange(silent.socket, [], Date.now() + 300), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ETIMEDOUT');
    assert.ok(Date.now() - started < 2000);

    const big = await connectScanner({ host: '127.0.0.1', ports: [echo.port, echo.port] }, 2000);
    await assert.rejects(exchange(big.socket, [Buffer.alloc(4096, 'x')], Date.now() + 2000, { maxBytes: 100 }), /answer too long/);
  } finally {
    echo.close();
  }
});

test('a connection the peer has already reset is reported, not waited on', async () => {
  const rude = await listen((c) => setTimeout(() => c.resetAndDestroy(), 50));
  try {
    const conn = await connectScanner({ host: '127.0.0.1', ports: [rude.port, rude.port] }, 2000);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await assert.rejects(exchange(conn.socket, [Buffer.from('x')], Date.now() + 5000));
    assert.ok(Date.now() - started < 2000);
  } finally {
    rude.close();
  }
});
