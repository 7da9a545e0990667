// The daemon's connection limits, checked in the primary with Exim's replies
// and log lines: smtp_accept_max, smtp_accept_max_per_host (expanded),
// smtp_accept_reserve with smtp_reserve_hosts, smtp_accept_queue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonEnv, LineClient, readLog, startForeground, waitFor } from '../daemon/helpers.ts';

test('smtp_accept_max, smtp_accept_max_per_host and smtp_accept_reserve give Exim\'s 421s', async () => {
  const e = await daemonEnv([
    'smtp_accept_max = 4',
    'smtp_accept_max_per_host = ${if eq{$sender_host_address}{127.0.0.5}{1}{2}}',
    'smtp_accept_reserve = 1',
    'smtp_reserve_hosts = 127.0.0.9',
    'smtp_active_hostname = mx.example',
  ].join('\n'));
  const d = await startForeground(e);
  const clients: LineClient[] = [];
  const open = async (from: string) => {
    const c = await LineClient.connect(e.port, '127.0.0.1', from);
    clients.push(c);
    return c.line();
  };
  try {
    assert.equal(await open('127.0.0.1'), '220 stand-in ready');
    assert.equal(await open('127.0.0.1'), '220 stand-in ready');
    assert.equal(await open('127.0.0.1'), '421 Too many concurrent SMTP connections from this IP address; please try again later.');
    assert.equal(await open('127.0.0.5'), '220 stand-in ready');
    assert.equal(await open('127.0.0.5'), '421 Too many concurrent SMTP connections from this IP address; please try again later.');
    // 3 in progress, max 4 with 1 reserved: only reserve hosts now.
    assert.equal(await open('127.0.0.3'), '421 mx.example: Too many concurrent SMTP connections; please try again later');
    assert.equal(await open('127.0.0.9'), '220 stand-in ready');
    assert.equal(await open('127.0.0.4'), '421 Too many concurrent SMTP connections; please try again later.');
    const log = readLog(e);
    assert.match(log, / Connection from \[127\.0\.0\.1\] refused: too many connections from that IP address\n/);
    assert.match(log, / Connection from \[127\.0\.0\.5\] refused: too many connections from that IP address\n/);
    assert.match(log, / temporarily refused connection from \[127\.0\.0\.3\]: not in reserve list: connected=3 max=4 reserve=1\n/);
    assert.match(log, / Connection from \[127\.0\.0\.4\] refused: too many connections\n/);
    // Closed sessions free their slots (the workers report each end).
    for (const c of clients) c.close();
    await waitFor('slots to be freed', async () => {
      const c = await LineClient.connect(e.port, '127.0.0.1', '127.0.0.4');
      const l = await c.line();
      c.close();
      return l === '220 stand-in ready';
    });
  } finally {
    for (const c of clients) c.close();
    d.kill();
  }
});

test('smtp_accept_queue marks connections beyond it queue-only; counts include this connection', async () => {
  const e = await daemonEnv('smtp_accept_max = 10\nsmtp_accept_queue = 1');
  const d = await startForeground(e);
  try {
    const a = await LineClient.connect(e.port);
    await a.line();
    const infoA = JSON.parse((await a.command('INFO'))!.slice(4)) as { queueOnly: boolean; connectionCount: number };
    const b = await LineClient.connect(e.port, '::1');
    await b.line();
    const infoB = JSON.parse((await b.command('INFO'))!.slice(4)) as { queueOnly: boolean; connectionCount: number };
    assert.deepEqual([infoA.connectionCount, infoA.queueOnly], [1, false]);
    assert.deepEqual([infoB.connectionCount, infoB.queueOnly], [2, true]);
    a.close();
    b.close();
  } finally {
    d.kill();
  }
});
