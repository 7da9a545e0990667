// Spool write throughput: 20 concurrent writers of 5 KB messages, durable
// (-D, -H and directory fsynced), with and without group commit of the
// directory fsyncs. Prints messages/s; not a pass/fail test.
//   node bench/spool.ts [seconds-per-run] [spool-parent-dir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyMessage } from '../src/mail/message.ts';
import { newMessageId } from '../src/spool/message-id.ts';
import { writeMessage } from '../src/spool/write.ts';
import { directorySyncCount } from '../src/spool/durable.ts';

// As in the daemon's workers (src/daemon/pool.ts): concurrent fsyncs need
// threads. libuv reads this when the pool first starts, which is below.
process.env.UV_THREADPOOL_SIZE ??= '16';

const seconds = Number(process.argv[2] ?? '5');
const parent = process.argv[3] ?? os.tmpdir();
const body = Buffer.from('x'.repeat(79) + '\n').subarray(0, 80);
const bodies = Array.from({ length: 64 }, () => body); // 5120 bytes

async function run(groupCommit: boolean): Promise<void> {
  const spool = fs.mkdtempSync(path.join(parent, 'tern-bench-spool-'));
  try {
    const deadline = Date.now() + seconds * 1000;
    const latencies: number[] = [];
    const syncsBefore = directorySyncCount();
    const writer = async () => {
      while (Date.now() < deadline) {
        const { id, timeMicros } = newMessageId();
        const m = emptyMessage(id);
        m.sender = 'bench@example.org';
        m.receivedTime = Number(timeMicros / 1_000_000n);
        m.bodyLinecount = 64;
        m.recipients.push({ address: 'sink@example.com' });
        m.headers.push({ flag: ' ', text: 'Subject: bench\n' });
        const t0 = performance.now();
        await writeMessage(spool, m, bodies, { split: false, groupCommit });
        latencies.push(performance.now() - t0);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: 20 }, writer));
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
    const dirSyncs = groupCommit ? directorySyncCount() - syncsBefore : latencies.length;
    console.log(`${groupCommit ? 'group commit   ' : 'no group commit'}: ${(latencies.length / elapsed).toFixed(0)} msg/s, ${latencies.length} messages, directory fsyncs ${dirSyncs}, latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms`);
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
}

console.log(`20 concurrent writers, 5 KB messages, ${seconds} s per run, spool under ${parent}`);
await run(false);
await run(true);
