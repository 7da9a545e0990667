// Feeds many expansion cases to one `-be` process and splits its answers.
//
// `exim -be` with no arguments reads lines from stdin and, for each logical
// line (backslash continuations are joined), prints "> " and then the
// result followed by a newline.  Results may themselves contain newlines, so
// every case line is followed by a separator line: a literal string that
// expands to itself.  The answer for a case is what lies between the prompt
// for its line and the prompt that echoes its separator.  The same framing is
// used to record from Exim and to test tern, so it also checks tern's -be I/O.

import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(CORPUS_DIR, '../../..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test/fixtures/expand');
export const CORPUS_FILE = path.join(CORPUS_DIR, 'corpus.jsonl');
export const DEFAULT_CONF = 'corpus.conf';

/** Environment given to the -be process; the config's keep_environment names these. */
export const CORPUS_ENV: Record<string, string> = {
  TERN_CORPUS_VAR: 'value from the environment',
  TERN_CORPUS_EMPTY: '',
  TERN_CORPUS_SPACES: '  padded  ',
};

/** What a case needs in order to be run. */
export interface CaseInput {
  id: string;
  /** The expansion; a multi-line expr is fed as backslash-continued lines. */
  expr: string;
  /** Lines fed before the expr (`set acl_m_x = ...`, macro definitions); their output is not compared. */
  setup?: string[];
  /** Configuration file under test/fixtures/expand/ (default corpus.conf). */
  conf?: string;
}

/** One recorded case, as stored in corpus.jsonl. */
export interface CorpusCase extends CaseInput {
  /** Item, operator or condition the case exercises; used to group reports. */
  group: string;
  /** The exact -be output for the expr, with placeholders for host paths. */
  expected: string;
  /** True when the expected output is an expansion failure ("Failed: ..."). */
  failed: boolean;
  /** "spec" where the 4.99 spec overrides what Exim 4.98 printed. */
  source?: 'exim' | 'spec';
  reason?: string;
  /** What Exim 4.98 printed, kept when the spec overrides it. */
  exim?: string;
  /** "failed": only check that the expansion fails (the message is not compared). */
  match?: 'failed';
  /** "latin1" when the output bytes are not valid UTF-8 (each char of `expected` is then one byte). */
  encoding?: 'utf8' | 'latin1';
}

/** An answer from -be: its bytes as text, UTF-8 when valid, else one char per byte. */
export interface Answer {
  text: string;
  encoding: 'utf8' | 'latin1';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as UTF-8 when they are valid UTF-8, else byte-per-char (lossless). */
export function decodeBytes(bytes: Buffer): Answer {
  try {
    return { text: strictUtf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: bytes.toString('latin1'), encoding: 'latin1' };
  }
}

/** Host-specific values substituted into inputs and masked out of outputs. */
export interface Placeholders {
  FIXTURES: string;
  SOCKET: string;
  SILENT_SOCKET: string;
}

export function substitute(text: string, ph: Placeholders): string {
  return text
    .replaceAll('@FIXTURES@', ph.FIXTURES)
    .replaceAll('@SILENT_SOCKET@', ph.SILENT_SOCKET)
    .replaceAll('@SOCKET@', ph.SOCKET);
}

/** Undo `substitute` on an output, and mask the process's ids, so results compare across machines. */
export function normalise(text: string, ph: Placeholders): string {
  return text
    .replace(/\(euid=\d+ egid=\d+\)/g, '(euid=@EUID@ egid=@EGID@)')
    .replaceAll(ph.SILENT_SOCKET, '@SILENT_SOCKET@')
    .replaceAll(ph.SOCKET, '@SOCKET@')
    .replaceAll(ph.FIXTURES, '@FIXTURES@');
}

/** Reject an expr whose framing would swallow the separator line. */
export function checkFraming(c: CaseInput): void {
  const lines = [...(c.setup ?? []), ...c.expr.split('\n')];
  const exprLines = c.expr.split('\n');
  for (let i = 0; i < exprLines.length - 1; i++) {
    if (!exprLines[i]!.endsWith('\\')) throw new Error(`case ${c.id}: line ${i + 1} of a multi-line expr must end with a backslash`);
  }
  const last = lines[lines.length - 1]!;
  if (last.endsWith('\\')) throw new Error(`case ${c.id}: the last line ends with a continuation backslash`);
  for (const s of c.setup ?? []) {
    if (s.includes('\n') || s.endsWith('\\')) throw new Error(`case ${c.id}: setup lines must be single lines`);
  }
}

function separator(n: number): string {
  return `@@tern-corpus-sep-${n}@@`;
}

export interface Plan {
  input: string;
  /** For each case, the index of the separator that follows its expr. */
  exprSep: number[];
  seps: number;
}

export function plan(cases: CaseInput[], ph: Placeholders): Plan {
  let input = '';
  let n = 0;
  const exprSep: number[] = [];
  for (const c of cases) {
    checkFraming(c);
    for (const s of c.setup ?? []) input += substitute(s, ph) + '\n' + separator(n++) + '\n';
    input += substitute(c.expr, ph) + '\n';
    exprSep.push(n);
    input += separator(n++) + '\n';
  }
  return { input, exprSep, seps: n };
}

/** Split -be output into the answer before each separator; undefined where output stopped early. */
export function split(stdout: string, seps: number): (string | undefined)[] {
  const answers: (string | undefined)[] = [];
  let pos = 0;
  for (let n = 0; n < seps; n++) {
    const marker = `> ${separator(n)}\n`;
    let at = stdout.indexOf(marker, pos);
    while (at > 0 && stdout[at - 1] !== '\n') at = stdout.indexOf(marker, at + 1);
    if (at < 0) {
      for (; n < seps; n++) answers.push(undefined);
      break;
    }
    let seg = stdout.slice(pos, at);
    if (seg.startsWith('> ')) seg = seg.slice(2);
    else seg = `<no "> " prompt> ${seg}`;
    if (seg.endsWith('\n')) seg = seg.slice(0, -1);
    else seg = `${seg}<no newline after the result>`;
    answers.push(seg);
    pos = at + marker.length;
  }
  return answers;
}

export interface BatchResult {
  /** Normalised output per case id; undefined when the process stopped before answering. */
  outputs: Map<string, Answer | undefined>;
  /** Per configuration: exit status and stderr, for diagnosing a crash. */
  runs: { conf: string; code: number | null; signal: string | null; stderr: string; timedOut: boolean }[];
}

export interface BatchOptions {
  /** argv of the -be program before "-C conf -be", e.g. ["/usr/sbin/exim4"]. */
  command: string[];
  placeholders: Placeholders;
  timeoutMs?: number;
}

function runOne(opts: BatchOptions, conf: string, input: string): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = opts.command;
    const child = spawn(cmd!, [...args, '-C', path.join(FIXTURES_DIR, conf), '-be'], {
      env: { ...CORPUS_ENV, PATH: '/usr/bin:/bin', LANG: 'C', TZ: 'UTC' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => { /* the child may exit before reading everything: reported via its output */ });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // latin1 keeps every byte as one char, so 8-bit results survive intact.
      resolve({ stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1'), code, signal, timedOut });
    });
    child.stdin.end(Buffer.from(input, 'utf8'));
  });
}

/** Run every case, one -be process per configuration file, in the given order. */
export async function runBatch(cases: CaseInput[], opts: BatchOptions): Promise<BatchResult> {
  const byConf = new Map<string, CaseInput[]>();
  for (const c of cases) {
    const conf = c.conf ?? DEFAULT_CONF;
    if (!byConf.has(conf)) byConf.set(conf, []);
    byConf.get(conf)!.push(c);
  }
  const outputs = new Map<string, Answer | undefined>();
  const runs: BatchResult['runs'] = [];
  await Promise.all([...byConf].map(async ([conf, group]) => {
    const p = plan(group, opts.placeholders);
    const r = await runOne(opts, conf, p.input);
    runs.push({ conf, code: r.code, signal: r.signal, stderr: r.stderr, timedOut: r.timedOut });
    const answers = split(r.stdout, p.seps);
    group.forEach((c, i) => {
      const a = answers[p.exprSep[i]!];
      if (a === undefined) {
        outputs.set(c.id, undefined);
        return;
      }
      const ans = decodeBytes(Buffer.from(a, 'latin1'));
      outputs.set(c.id, { text: normalise(ans.text, opts.placeholders), encoding: ans.encoding });
    });
  }));
  return { outputs, runs };
}

/**
 * The sockets ${readsocket} cases talk to: one answers every request with a
 * fixed two-line reply that quotes the request, the other accepts and never
 * answers (for timeouts).  Both live in a fresh temporary directory.
 */
export async function startSockets(): Promise<{ placeholders: Placeholders; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-corpus-'));
  const replying = net.createServer((sock) => {
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      const req = Buffer.concat(chunks).toString('latin1');
      sock.end(`reply line 1 <${req}>\nreply line 2\n`, 'latin1');
    };
    sock.on('data', (b: Buffer) => {
      chunks.push(b);
      // Requests ending in "!" are answered without waiting for a write-shutdown (shutdown=no cases).
      if (Buffer.concat(chunks).toString('latin1').endsWith('!')) answer();
    });
    sock.on('end', answer);
    sock.on('error', () => {});
  });
  const held: net.Socket[] = [];
  const silent = net.createServer((sock) => { held.push(sock); sock.on('error', () => {}); });
  const SOCKET = path.join(dir, 'reply.sock');
  const SILENT_SOCKET = path.join(dir, 'silent.sock');
  await new Promise<void>((res) => replying.listen(SOCKET, res));
  await new Promise<void>((res) => silent.listen(SILENT_SOCKET, res));
  // The -be process may run as another user (Exim drops privileges): let it connect.
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(SOCKET, 0o777);
  fs.chmodSync(SILENT_SOCKET, 0o777);
  return {
    placeholders: { FIXTURES: FIXTURES_DIR, SOCKET, SILENT_SOCKET },
    close: async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((res) => replying.close(() => res()));
      await new Promise<void>((res) => silent.close(() => res()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function readCorpus(file = CORPUS_FILE): CorpusCase[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CorpusCase);
}
