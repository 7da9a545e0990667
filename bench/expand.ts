// Benchmark: expansions per second in one `-be` run, tern beside Exim.
//
//   node bench/expand.ts [count]        (default 100000)
//   BENCH_DIR=/tmp/b node bench/expand.ts   keeps bench.conf and input in /tmp/b
//
// Builds a fixed mix of realistic expressions (list matching, lookups in a
// 10,000-line lsearch file, ${if}, ${sg}, ${extract}, arithmetic, hashes),
// feeds them to `bin/tern -be` on stdin and, when installed, to
// `exim4 -be` with the same configuration, and prints expansions/s for each.
// Also prints the start-up time of `-bV` for both. Figures, not a test.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const count = Number(process.argv[2] ?? 100_000);
const root = path.resolve(import.meta.dirname, '..');
// BENCH_DIR=dir keeps the configuration, lsearch file and input there (for profiling).
const keep = process.env.BENCH_DIR;
if (keep) fs.mkdirSync(keep, { recursive: true });
const work = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bench-'));

// A 10,000-line lsearch file of aliases.
const aliases = path.join(work, 'aliases');
const lines: string[] = [];
for (let i = 0; i < 10_000; i++) lines.push(`user${i}@example.com: mailbox${i}@store${i % 17}.example.net`);
fs.writeFileSync(aliases, lines.join('\n') + '\n');

const conf = path.join(work, 'bench.conf');
fs.writeFileSync(conf, [
  'primary_hostname = bench.example.com',
  'domainlist local_domains = @ : example.com : example.org : *.example.net',
  'hostlist relay_hosts = 127.0.0.1 : 10.0.0.0/8 : 192.168.0.0/16 : ::1',
  'keep_environment =',
  '',
].join('\n'));

// Deterministic pseudo-random choice so both MTAs get the same input.
let seed = 12345;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

const templates: Array<() => string> = [
  () => `\${lookup{user${rnd(12000)}@example.com}lsearch{${aliases}}{$value}{unknown}}`,
  () => `\${if match_domain{host${rnd(50)}.example.net}{+local_domains}{local}{remote}}`,
  () => `\${if match_ip{192.168.${rnd(256)}.${rnd(256)}}{+relay_hosts}{relay}{no}}`,
  () => `\${if eq{\${lc:USER${rnd(100)}}}{user7}{same}{different}}`,
  () => `\${sg{The quick brown fox ${rnd(1000)} jumps}{\\\\s+}{_}}`,
  () => `\${extract{${1 + rnd(4)}}{:}{alpha:beta:gamma:delta:epsilon}}`,
  () => `\${extract{size}{size=${rnd(99999)} type=mbox owner=root}}`,
  () => `\${eval:(${rnd(1000)} + ${rnd(1000)}) * 3 / 7 % 11}`,
  () => `\${md5:message-${rnd(100000)}}`,
  () => `\${sha256:message-${rnd(100000)}}`,
  () => `\${if and{{>{${rnd(100)}}{50}}{<{${rnd(100)}}{90}}}{mid}{edge}}`,
  () => `\${length_5:\${uc:abcdefghij${rnd(10)}}}`,
  () => `\${if match{user${rnd(1000)}@example.com}{^user(\\\\d+)@}{id=$1}{none}}`,
  () => `\${hash_3:\${lc:Host-${rnd(1000)}.Example.COM}}`,
  () => `\${if inlist{${rnd(10)}}{1:3:5:7:9}{odd}{even}}`,
];

const exprs: string[] = [];
for (let i = 0; i < count; i++) exprs.push(templates[i % templates.length]());
const input = exprs.join('\n') + '\n';
const inputFile = path.join(work, 'input');
fs.writeFileSync(inputFile, input);

interface RunResult { seconds: number; ok: boolean; note: string; rssKb?: number }

function runBe(cmd: string, args: string[]): RunResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
    input,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stderrLines = (r.stderr ?? '').trim().split('\n');
  const rssKb = Number(stderrLines.at(-1));
  const out = r.stdout ?? '';
  const failed = (out.match(/Failed:/g) ?? []).length;
  return { seconds, ok: r.status === 0, rssKb, note: `exit ${r.status}, ${failed} Failed: lines, ${out.length} bytes out` };
}

function startup(cmd: string, args: string[], runs = 20): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(cmd, args, { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const tern = path.join(root, 'bin', 'tern');
const exim = ['/usr/sbin/exim4', '/usr/sbin/exim'].find((p) => fs.existsSync(p));

// Many lines repeat (few-valued templates): tern's compile cache sees them, Exim parses every line.
console.log(`expansion benchmark: ${count} expressions (${new Set(exprs).size} distinct), ${templates.length} kinds, lsearch file of 10,000 lines`);
const rows: Array<[string, RunResult]> = [['tern', runBe(tern, ['-C', conf, '-be'])]];
if (exim) rows.push(['exim', runBe(exim, ['-C', conf, '-be'])]);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(5)} ${(count / r.seconds).toFixed(0).padStart(9)} expansions/s  ${r.seconds.toFixed(2)} s  max RSS ${r.rssKb ?? '?'} KB  (${r.note})`);
}
const startTern = startup(tern, ['-C', conf, '-bV']);
console.log(`start-up, median of 20 runs of -bV: tern ${startTern.toFixed(1)} ms` +
  (exim ? `, exim ${startup(exim, ['-C', conf, '-bV']).toFixed(1)} ms` : ' (exim not installed)'));
if (!keep) fs.rmSync(work, { recursive: true, force: true });
