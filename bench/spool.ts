// Spool write throughput: 20 concurrent writers of 5 KB messages, durable
// (-D, -H and directory fsynced), with and without group commit of the
// directory fsyncs. Prints messages/s; not a pass/fail test.
//   node bench/spool.ts [seconds-per-run] [spool-parent-dir] [--processes=N]
//
// With --processes=N (default: the number of CPUs), a last run has N
// processes write into one spool at the same time, as the daemon's workers
// do, each also creating the message's msglog (as Exim and tern do on
// arrival). No SMTP, no ACLs, no log lines: the figure is this machine's
// ceiling for a durable Exim-format spool, which no receiving MTA on it can
// exceed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyMessage } from '../src/mail/message.ts';
import { newMessageId } from '../src/spool/message-id.ts';
import { writeMessage } from '../src/spool/write.ts';
import { directorySyncCount } from '../src/spool/durable.ts';
import { spawn } from 'node:child_process';

// As in the daemon's workers (src/daemon/pool.ts): concurrent fsyncs need
// threads. libuv reads this when the pool first starts, which is below.
process.env.UV_THREADPOOL_SIZE ??= '16';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(positional[0] ?? '5');
const parent = positional[1] ?? os.tmpdir();
const body = Buffer.from('x'.repeat(79) + '\n').subarray(0, 80);
const bodies = Array.from({ length: 64 }, () => body); // 5120 bytes

async function run(groupCommit: boolean, shared?: { spool: string; startAt: number }): Promise<void> {
  const spool = shared?.spool ?? fs.mkdtempSync(path.join(parent, 'tern-bench-spool-'));
  try {
    if (shared) await new Promise((r) => setTimeout(r, Math.max(0, shared.startAt - Date.now())));
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
        if (shared) fs.writeFileSync(path.join(spool, 'msglog', id), 'Received\n');
        latencies.push(performance.now() - t0);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: 20 }, writer));
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
    const dirSyncs = groupCommit ? directorySyncCount() - syncsBefore : latencies.length;
    if (shared) {
      console.log(JSON.stringify({ messages: latencies.length, elapsed, p50: p(0.5), p99: p(0.99) }));
      return;
    }
    console.log(`${groupCommit ? 'group commit   ' : 'no group commit'}: ${(latencies.length / elapsed).toFixed(0)} msg/s, ${latencies.length} messages, directory fsyncs ${dirSyncs}, latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms`);
  } finally {
    if (!shared) fs.rmSync(spool, { recursive: true, force: true });
  }
}

/** N processes, one spool: each runs `run(true, shared)` as a child. */
async function runProcesses(n: number): Promise<void> {
  const spool = fs.mkdtempSync(path.join(parent, 'tern-bench-spool-'));
  fs.mkdirSync(path.join(spool, 'msglog'));
  const startAt = Date.now() + 1500;
  try {
    const outputs = await Promise.all(Array.from({ length: n }, () => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [process.argv[1], String(seconds), parent, `--child=${spool}:${startAt}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
    })));
    const results = outputs.map((o) => JSON.parse(o) as { messages: number; elapsed: number; p50: string; p99: string });
    const total = results.reduce((a, r) => a + r.messages / r.elapsed, 0);
    console.log(`${n} processes, one spool, group commit, with msglog: ${total.toFixed(0)} msg/s (${results.map((r) => (r.messages / r.elapsed).toFixed(0)).join(' + ')}), latency p50 ${results.map((r) => r.p50).join('/')} ms p99 ${results.map((r) => r.p99).join('/')} ms`);
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
}

const child = option('child');
if (child) {
  const [spool, startAt] = child.split(':');
  await run(true, { spool, startAt: Number(startAt) });
} else {
  console.log(`20 concurrent writers per process, 5 KB messages, ${seconds} s per run, spool under ${parent}`);
  if (!option('processes-only')) {
    await run(false);
    await run(true);
  }
  await runProcesses(Number(option('processes') ?? os.availableParallelism()));
}
