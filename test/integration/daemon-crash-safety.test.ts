// Crash safety: 20 clients send through the real daemon (real SMTP session,
// durable spool); the whole daemon, primary and workers, is killed with
// SIGKILL while they send; it is started again. Every message that got its
// 250 must be on the spool, intact; whatever is on the spool must be whole
// (a -H that parses, a -D with exactly the body sent); leftovers of messages
// that were being written (a -D without its -H, a temporary hdr.*) must
// belong to messages that were never acknowledged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readDataFile, readHeaderFile } from '../../src/spool/read.ts';
import { alive, childPids, daemonEnv, startForeground, waitFor } from '../daemon/helpers.ts';
import { SmtpClient, testMessage } from '../daemon/smtp-client.ts';

const CLIENTS = 20;
const SIZE = 5000;

test('kill -9 of the daemon while 20 clients send: every 250 is on the spool intact, nothing half-written', async () => {
  const e = await daemonEnv('queue_only\nacl_smtp_rcpt = accept\nsmtp_accept_max = 0', { workers: 2, session: 'real' });
  let d = await startForeground(e);
  const acked = new Map<string, string>(); // marker -> message id
  const bodies = new Map<string, string>();
  let killed = false;
  const client = async (n: number) => {
    let c: SmtpClient;
    try {
      c = await SmtpClient.connect(e.port);
      if ((await c.greet()) !== 250) return;
    } catch {
      return;
    }
    for (let i = 0; !killed; i++) {
      const marker = `c${n}m${i}`;
      const msg = testMessage(marker, SIZE);
      bodies.set(marker, msg);
      try {
        const r = await c.send('load@example.com', ['sink@example.com'], msg);
        if (r.code !== 250) throw new Error(`unexpected reply ${r.code} ${r.text}`);
        const id = /id=(\S+)/.exec(r.text)?.[1];
        assert.ok(id, `a message id in "${r.text}"`);
        acked.set(marker, id);
      } catch (err) {
        if (!killed) throw err;
        return;
      }
    }
  };
  const running = Array.from({ length: CLIENTS }, (_, n) => client(n));
  try {
    await waitFor('messages to be acknowledged', () => acked.size >= 200, 30_000);
    const pids = [d.pid, ...childPids(d.pid)];
    killed = true;
    d.kill(); // SIGKILL to the process group: primary and workers at once
    await Promise.all(running);
    await waitFor('every daemon process to be gone', () => pids.every((p) => !alive(p)));

    // The daemon starts again on the same ports and spool.
    d = await startForeground(e);
    const c = await SmtpClient.connect(e.port);
    assert.equal(await c.greet(), 250);
    assert.equal((await c.send('after@example.com', ['sink@example.com'], testMessage('after', 500))).code, 250);
    await c.quit();

    const input = path.join(e.dir, 'spool', 'input');
    const files = fs.readdirSync(input);
    const ids = new Set(files.filter((f) => f.endsWith('-H')).map((f) => f.slice(0, -2)));
    const onSpool = new Map<string, string>(); // marker -> id
    for (const id of ids) {
      const msg = readHeaderFile(path.join(input, `${id}-H`));
      assert.equal(msg.id, id);
      const marker = /^X-Marker: (\S+)/im.exec(msg.headers.map((h) => h.text).join(''))?.[1];
      assert.ok(marker, `${id} has its marker header`);
      if (marker === 'after') continue;
      const sent = bodies.get(marker)!;
      const body = readDataFile(path.join(input, `${id}-D`), id).toString('latin1');
      assert.equal(body.replace(/\r\n/g, '\n'), sent.slice(sent.indexOf('\r\n\r\n') + 4).replace(/\r\n/g, '\n'), `${id} (${marker}) body intact`);
      onSpool.set(marker, id);
    }
    for (const [marker, id] of acked) assert.equal(onSpool.get(marker), id, `acknowledged ${marker} (${id}) is on the spool`);
    const leftovers = files.filter((f) => !(f.endsWith('-H') || (f.endsWith('-D') && ids.has(f.slice(0, -2)))));
    const ackedIds = new Set(acked.values());
    for (const f of leftovers) {
      const id = f.replace(/^hdr\./, '').replace(/-[DH]$/, '');
      assert.ok(!ackedIds.has(id), `leftover ${f} is not an acknowledged message`);
    }
    // For the record: how many were in flight at the kill.
    const unacked = [...onSpool.keys()].filter((m) => !acked.has(m)).length;
    process.stdout.write(`# acknowledged ${acked.size}, on spool ${onSpool.size} (${unacked} committed but unacknowledged), leftovers ${leftovers.length}\n`);
  } finally {
    killed = true;
    d.kill();
  }
});
