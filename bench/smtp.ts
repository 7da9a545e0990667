// Benchmark: receiving mail over SMTP, tern's daemon beside Debian's Exim.
//
//   node bench/smtp.ts [seconds] [idle] [--runs=N] [--servers=sink,tern,exim] [--spool-parent=DIR]
//
// Defaults: 10 s per run, 1000 idle connections, 2 runs of each server
// (interleaved: sink, tern, exim, sink, tern, exim...), spools under the
// system's temporary directory. TERN_WORKERS sets tern's worker count.
//
// For each server — a discard sink (a trivial Node SMTP server in its own
// process that answers 250 without storing: the load generator's ceiling),
// `tern -bdf`, and `exim4 -bd` when installed — on its own loopback port with
// its own temporary spool (queue_only, durable spool: both fsync before 250):
//   1. 20 concurrent sessions send 5 KB messages for [seconds]:
//      messages/s accepted, p50/p99 latency from the final dot to the 250;
//   2. [idle] connections are opened and held idle (each has had its banner):
//      memory of the server's processes (RSS and PSS summed over the
//      process tree) before and while holding them, per connection.
// Besides the rates it prints the CPU time the server's processes spent per
// accepted message (user + system, children included: Exim's per-connection
// processes are reaped by its daemon), which depends much less on what else
// the machine runs than msgs/s do, and the load average around each run.
// Figures, not a test. Bounded in time and count.
//
// Reading the figures: with 20 sessions each waiting for its 250, msgs/s is
// 20 / latency, and latency is fsync stages plus CPU. Exim 4.98 fsyncs -D,
// then -H, then (after the rename) the directory, then fdatasyncs -D again:
// three stages in a row; tern fsyncs -D and -H at once, then the directory
// (two stages, the last shared by concurrent messages). On a machine whose
// CPUs are busy with other work, CPU time per message decides instead. The
// file system matters too: on ext4 without a journal, creating files right
// after many were deleted (as a previous run's clean-up does) scans the
// inode table for minutes; --spool-parent can point at a scratch file
// system (e.g. a loop-mounted ext4 image) to avoid that.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SmtpClient, testMessage } from '../test/daemon/smtp-client.ts';

const SESSIONS = 20;
const SIZE = 5 * 1024;
const MAX_MESSAGES = 500_000;

// ---- the discard sink (run as `node bench/smtp.ts --sink PORT`) ----

function runSink(port: number): void {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    let inData = false;
    let buf = '';
    s.write('220 sink ESMTP\r\n');
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buf += d;
      let out = '';
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) {
            // keep only what could still be the start of the terminator
            buf = buf.slice(-4);
            break;
          }
          buf = buf.slice(end + 5);
          inData = false;
          out += '250 OK\r\n';
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) break;
        const cmd = buf.slice(0, nl).toUpperCase();
        buf = buf.slice(nl + 2);
        if (cmd.startsWith('EHLO')) out += '250-sink\r\n250 PIPELINING\r\n';
        else if (cmd === 'DATA') {
          out += '354 go ahead\r\n';
          inData = true;
          // the data may start right after "DATA\r\n": a terminator search needs the CRLF before it
          buf = '\r\n' + buf;
        } else if (cmd === 'QUIT') {
          s.end('221 bye\r\n');
          return;
        } else out += '250 OK\r\n';
      }
      if (out) s.write(out);
    });
  });
  server.listen(port, '127.0.0.1', () => process.send?.('ready'));
}

// ---- process tree memory ----

function descendants(pid: number): number[] {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const kids = new Map<number, number[]>();
  for (const line of r.stdout.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    kids.set(pp, [...(kids.get(pp) ?? []), p]);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) ?? []));
  return out;
}

function memoryOf(pids: number[]): { rssKb: number; pssKb: number; processes: number } {
  let rssKb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const p of pids) {
    try {
      const t = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      rssKb += Number(/^Rss:\s+(\d+)/m.exec(t)?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(t)?.[1] ?? 0);
      processes++;
    } catch {
      // gone in between
    }
  }
  return { rssKb, pssKb, processes };
}

/** CPU seconds in user and system mode (reaped children included) of a process tree. */
function cpuSecondsOf(pids: number[]): { user: number; system: number } {
  const ticks = 100; // USER_HZ on Linux
  let user = 0;
  let system = 0;
  for (const p of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at "state".
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += (Number(f[11]) + Number(f[13])) / ticks;
      system += (Number(f[12]) + Number(f[14])) / ticks;
    } catch {
      // gone in between
    }
  }
  return { user, system };
}

function loadAverage(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

// ---- load ----

interface RunResult {
  messages: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

async function throughput(port: number, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  const start = Date.now();
  const session = async (n: number) => {
    const c = await SmtpClient.connect(port);
    if ((await c.greet()) !== 250) throw new Error('EHLO refused');
    for (let i = 0; Date.now() < until && latencies.length < MAX_MESSAGES; i++) {
      const msg = testMessage(`s${n}m${i}`, SIZE);
      const r = await c.send('load@example.com', ['sink@example.com'], msg);
      // Latency: from writing the final dot to reading the 250.
      if (r.code === 250) latencies.push(performance.now() - c.lastDotAt);
      else errors++;
    }
    await c.quit();
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, n) => session(n)));
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { messages: latencies.length, perSecond: latencies.length / elapsed, p50ms: pct(0.5), p99ms: pct(0.99), errors };
}

async function holdIdle(port: number, count: number, serverPid: number): Promise<{ before: ReturnType<typeof memoryOf>; during: ReturnType<typeof memoryOf>; opened: number }> {
  const before = memoryOf(descendants(serverPid));
  const sockets: net.Socket[] = [];
  let opened = 0;
  const deadline = Date.now() + 60_000;
  // Open in batches so the listen backlog is never the limit.
  for (let i = 0; i < count && Date.now() < deadline; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => resolve(false));
      s.setTimeout(20_000, () => resolve(false));
      s.once('data', (d) => resolve(d.toString('latin1').startsWith('220')));
    })));
    opened += batch.filter(Boolean).length;
  }
  await new Promise((r) => setTimeout(r, 1500));
  const during = memoryOf(descendants(serverPid));
  for (const s of sockets) s.destroy();
  return { before, during, opened };
}

// ---- servers ----

interface Server {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopChild(child: ChildProcess, group: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      if (group) process.kill(-child.pid!, 'SIGTERM');
      else child.kill('SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(group ? -child.pid! : child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 15_000).unref();
  });
}

async function startSink(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--sink', String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => child.once('message', r));
  return { name: 'discard sink', port, pid: child.pid!, stop: () => stopChild(child, false) };
}

const root = path.resolve(import.meta.dirname, '..');

function commonConfig(dir: string, port: number): string[] {
  return [
    `spool_directory = ${dir}/spool`,
    `log_file_path = ${dir}/log/%slog`,
    'local_interfaces = 127.0.0.1',
    `daemon_smtp_ports = ${port}`,
    'queue_only',
    'acl_smtp_rcpt = accept',
    'smtp_accept_max = 0',
    'smtp_connect_backlog = 1024',
    'tls_advertise_hosts =',
    'keep_environment =',
  ];
}

async function startTern(work: string): Promise<Server> {
  const dir = path.join(work, 'tern');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'configure');
  fs.writeFileSync(conf, [...commonConfig(dir, port), ''].join('\n'));
  const child = spawn(path.join(root, 'bin', 'tern'), ['-C', conf, '-bdf', '-oP', path.join(dir, 'pid')], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  await waitForPort(port);
  return { name: `tern (${process.env.TERN_WORKERS ?? os.availableParallelism()} workers)`, port, pid: child.pid!, stop: () => stopChild(child, true) };
}

async function startExim(work: string): Promise<Server | undefined> {
  const exim = '/usr/sbin/exim4';
  if (!fs.existsSync(exim)) return undefined;
  const dir = path.join(work, 'exim');
  fs.mkdirSync(path.join(dir, 'spool'), { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'configure');
  const user = os.userInfo().username;
  fs.writeFileSync(conf, [...commonConfig(dir, port), `exim_user = ${user}`, `exim_group = ${user}`, ''].join('\n'));
  const pidFile = path.join(dir, 'pid');
  // -bdf keeps it in the foreground so that it is our child; -oX is what the port is anyway.
  const child = spawn(exim, ['-C', conf, '-bdf', '-oX', String(port), '-oP', pidFile], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  await waitForPort(port);
  const version = spawnSync(exim, ['-C', conf, '-bV'], { encoding: 'utf8' }).stdout.split('\n')[0].replace(/ #.*/, '');
  return { name: version || 'exim4', port, pid: child.pid!, stop: () => stopChild(child, true) };
}

// ---- main ----

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function measure(s: Server, seconds: number, idle: number): Promise<string[]> {
  // Warm up (tern's workers compile their code on first use; Exim's caches
  // fill): a short unmeasured run, then a pause for the server to settle.
  await throughput(s.port, 1);
  await new Promise((r) => setTimeout(r, 500));
  const loadBefore = loadAverage();
  const cpuBefore = cpuSecondsOf(descendants(s.pid));
  const t = await throughput(s.port, seconds);
  // Let the server reap its per-connection processes (Exim) before counting.
  await new Promise((r) => setTimeout(r, 500));
  const cpuAfter = cpuSecondsOf(descendants(s.pid));
  const perMessage = (seconds: number) => fmt((seconds * 1000) / Math.max(1, t.messages), 2);
  const cpu = `${perMessage(cpuAfter.user - cpuBefore.user)}+${perMessage(cpuAfter.system - cpuBefore.system)}`;
  const loadAfter = loadAverage();
  const m = await holdIdle(s.port, idle, s.pid);
  const perConnKb = (m.during.pssKb - m.before.pssKb) / Math.max(1, m.opened);
  const perConnRssKb = (m.during.rssKb - m.before.rssKb) / Math.max(1, m.opened);
  return [
    s.name, fmt(t.perSecond), fmt(t.p50ms, 2), fmt(t.p99ms, 2), String(t.errors), cpu, `${loadBefore.split(' ')[0]}/${loadAfter.split(' ')[0]}`,
    `${m.opened}`, fmt(m.before.pssKb / 1024, 1), fmt(m.during.pssKb / 1024, 1), fmt(perConnKb, 1), fmt(perConnRssKb, 1), String(m.during.processes),
  ];
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const option = (name: string) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const seconds = Number(positional[0] ?? 10);
  const idle = Number(positional[1] ?? 1000);
  const runs = Number(option('runs') ?? 2);
  const wanted = (option('servers') ?? 'sink,tern,exim').split(',');
  const work = fs.mkdtempSync(path.join(option('spool-parent') ?? os.tmpdir(), 'tern-bench-smtp-'));
  const header = ['server', 'msgs/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/msg usr+sys', 'load 1m', 'idle conns', 'PSS MB before', 'PSS MB idle', 'KB/conn (PSS)', 'KB/conn (RSS)', 'processes'];
  const rows: string[][] = [];
  const all: Record<string, (run: number) => Promise<Server | undefined>> = {
    sink: startSink,
    tern: (run) => startTern(path.join(work, `run${run}`)),
    exim: (run) => startExim(path.join(work, `run${run}`)),
  };
  try {
    for (let run = 0; run < runs; run++) {
      for (const name of wanted) {
        const start = all[name];
        if (!start) throw new Error(`unknown server "${name}" (sink, tern, exim)`);
        const s = await start(run);
        if (!s) {
          rows.push([`${name} (not installed)`]);
          continue;
        }
        try {
          process.stderr.write(`run ${run + 1}/${runs}: measuring ${s.name}...\n`);
          rows.push(await measure(s, seconds, idle));
        } finally {
          await s.stop();
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${SESSIONS} sessions, ${SIZE}-byte messages, ${seconds}s per run, queue-only, durable spool under ${path.dirname(work)}; ${idle} idle connections; ${os.availableParallelism()} CPUs; load 1m before/after each run\n`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) process.stdout.write(r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ') + '\n');
}

if (process.argv[2] === '--sink') runSink(Number(process.argv[3]));
else await main();
