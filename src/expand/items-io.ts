// Items that reach outside the process: ${readfile}, ${readsocket}, ${run}.
// Files are read synchronously (as Exim does). Sockets and child processes
// wait: under expandStringAsync they go through ctx.memo (suspend and
// replay, see util/suspend.ts); under the synchronous expander ${run} uses
// spawnSync and ${readsocket} is refused with a clear message.

import fs from 'node:fs';
import type net from 'node:net';
import type { spawn as spawnType } from 'node:child_process';
import type { ItemNode, Seq } from './ast.ts';
import { ExpandError } from './errors.ts';
import { evalArg, evalSeq, withValue, yesNo, type EvalState } from './evaluate.ts';
import { compileExpansion } from './parser.ts';
import { splitItems } from './list.ts';
import { decodeBytes } from './operators/bytes.ts';
import { strerror } from './strerror.ts';

// Sockets, TLS and child processes are loaded on first use: most processes
// never need them, and node:tls alone costs a noticeable part of start-up.
const builtin = {
  get net(): typeof import('node:net') { return process.getBuiltinModule('node:net'); },
  get tls(): typeof import('node:tls') { return process.getBuiltinModule('node:tls'); },
  get childProcess(): typeof import('node:child_process') { return process.getBuiltinModule('node:child_process'); },
};

function identity(): string {
  return `(euid=${process.geteuid?.() ?? 0} egid=${process.getegid?.() ?? 0})`;
}

export function readFileItem(a: Seq[], st: EvalState): string {
  const name = evalArg(a[0], st);
  const eol = a[1] ? evalSeq(a[1], st) : undefined;
  if (name.tainted) throw new ExpandError(`failed to open ${name.s}: Permission denied ${identity()}`);
  let data: string;
  try {
    data = decodeBytes(fs.readFileSync(name.s));
  } catch (e) {
    // Exim reads a directory as empty.
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return '';
    throw new ExpandError(`failed to open ${name.s}: ${strerror(e)}`);
  }
  return eol === undefined ? data : data.split('\n').join(eol);
}

// ---- readsocket --------------------------------------------------------------

interface SocketRequest {
  path?: string;
  host?: string;
  port?: number;
  request: string;
  timeoutMs: number;
  shutdown: boolean;
  tls: boolean;
  sni?: string;
}

const socketCache = new Map<string, string>();

function parseTimeout(t: string): number {
  const m = /^\s*(\d+)([smhdw]?)\s*$/.exec(t);
  if (!m) throw new ExpandError(`bad time value ${t}`);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]]!;
  return Number(m[1]) * mult * 1000;
}

export function readSocketItem(a: Seq[], st: EvalState): string {
  const spec = evalArg(a[0], st);
  const request = evalSeq(a[1], st);
  const optText = a[2] ? evalSeq(a[2], st) : '';
  const eol = a[3] ? evalSeq(a[3], st) : undefined;
  const req: SocketRequest = { request, timeoutMs: 5000, shutdown: true, tls: false };
  let cache = false;
  const opts = splitItems(optText, ':');
  if (opts.length > 0) {
    // Exim keeps its default when the timeout does not parse.
    try {
      req.timeoutMs = parseTimeout(opts[0]);
    } catch {}
  }
  for (const o of opts.slice(1)) {
    const eq = o.indexOf('=');
    const k = eq < 0 ? o : o.slice(0, eq), v = eq < 0 ? '' : o.slice(eq + 1);
    if (k === 'shutdown') req.shutdown = v !== 'no';
    else if (k === 'tls') req.tls = v === 'yes';
    else if (k === 'sni') { req.sni = v; req.tls = v !== '' || req.tls; }
    else if (k === 'cache') cache = v === 'yes';
  }
  if (spec.tainted) {
    // Exim logs "Tainted filename for search" and fails with no message.
    if (a[4]) return evalSeq(a[4], st);
    throw new ExpandError('');
  }
  const s = spec.s;
  if (s.startsWith('inet:')) {
    let rest = s.slice(5);
    let host: string;
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      host = rest.slice(1, close);
      rest = rest.slice(close + 1);
    } else {
      const colon = rest.lastIndexOf(':');
      host = colon < 0 ? rest : rest.slice(0, colon);
      rest = colon < 0 ? '' : rest.slice(colon);
    }
    if (!rest.startsWith(':') || !/^\d+$/.test(rest.slice(1))) {
      if (a[4]) return evalSeq(a[4], st);
      throw new ExpandError('');
    }
    req.host = host;
    req.port = Number(rest.slice(1));
  } else {
    req.path = s;
  }
  const key = `readsocket\0${s}\0${optText}\0${request}`;
  let outcome: { ok: true; data: string } | { ok: false; error: string };
  const hit = socketCache.get(key);
  if (hit !== undefined) outcome = { ok: true, data: hit };
  else {
    if (!st.ctx.memo.allowSuspend || !st.async) {
      throw new ExpandError('${readsocket} needs the asynchronous expander (expandStringAsync)');
    }
    outcome = st.ctx.memo.need(key, () => talkToSocket(req));
    if (outcome.ok && cache) socketCache.set(key, outcome.data);
    if (!cache) for (const k of socketCache.keys()) if (k.startsWith(`readsocket\0${s}\0`)) socketCache.delete(k);
  }
  if (!outcome.ok) {
    if (a[4]) return evalSeq(a[4], st);
    throw new ExpandError(outcome.error);
  }
  const data = outcome.data;
  return eol ? data.split('\n').join(eol) : data;
}

function talkToSocket(req: SocketRequest): Promise<{ ok: true; data: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (r: { ok: true; data: string } | { ok: false; error: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const where = req.path !== undefined ? `socket ${req.path}` : `any address for ${req.host}`;
    let connected = false;
    const sock: net.Socket = req.tls
      ? builtin.tls.connect({ host: req.host, port: req.port, path: req.path, servername: req.sni, rejectUnauthorized: false })
      : req.path !== undefined ? builtin.net.connect({ path: req.path }) : builtin.net.connect({ host: req.host!, port: req.port! });
    const timer = setTimeout(() => finish({ ok: false, error: connected ? 'socket read timed out' : `failed to connect to ${where}: timed out` }), req.timeoutMs);
    sock.on(req.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      if (req.request !== '') sock.write(Buffer.from(req.request, 'latin1'));
      if (req.shutdown && !req.tls) sock.end();
    });
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => finish({ ok: true, data: decodeBytes(Buffer.concat(chunks)) }));
    sock.on('error', (e) => finish({ ok: false, error: connected ? `error reading from socket: ${strerror(e)}` : `failed to connect to ${where}: ${strerror(e)}` }));
  });
}

// ---- run ------------------------------------------------------------------------

/** Split a command line at white space; "..." (with backslash escapes) and '...' group. */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let arg = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) { arg += text[i + 1]; i += 2; } else arg += text[i++];
      }
      i++;
    } else if (text[i] === "'") {
      i++;
      while (i < text.length && text[i] !== "'") arg += text[i++];
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i])) arg += text[i++];
    }
    out.push(arg);
  }
  return out;
}

interface RunResult { rc: number; output: string }

export function runItem(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const opts = node.word ? node.word.split(',') : [];
  let preexpand = false;
  for (const o of opts) {
    if (o === 'preexpand') preexpand = true;
    else throw new ExpandError(`bad option '${o}' for run`);
  }
  let argv: { s: string; tainted: boolean }[];
  if (preexpand) {
    const whole = evalArg(a[0], st);
    argv = splitCommand(whole.s).map((s) => ({ s, tainted: whole.tainted }));
    if (whole.tainted) return taintedCommand(argv[0]?.s ?? '');
  } else {
    const raw = node.raw ?? '';
    argv = splitCommand(raw).map((piece) => {
      const exp = compileExpansion(piece);
      if (exp.literal) return { s: piece, tainted: false };
      try {
        return evalArg(exp.seq, st);
      } catch (e) {
        if (e instanceof ExpandError) {
          throw new ExpandError(`Expansion of "${piece}" from command "${raw}" in \${run} expansion failed: ${e.message}`);
        }
        throw e;
      }
    });
    if (argv[0]?.tainted) return taintedCommand(argv[0].s);
  }
  const args = argv.map((x) => x.s);
  let r: RunResult;
  if (st.async && st.ctx.memo.allowSuspend) {
    r = st.ctx.memo.need(`run\0${args.join('\0')}`, () => runAsync(args));
  } else {
    r = runSync(args);
  }
  st.ctx.vars.set('runrc', { value: String(r.rc), tainted: false });
  return withValue(st, { value: r.output, tainted: true }, () => yesNo(r.rc === 0, a[1], a[2], node.fail, 'run', st, r.output, node.tailError));
}

function taintedCommand(_cmd: string): never {
  throw new ExpandError("couldn't create child process: Operation not permitted");
}

const RUN_TIMEOUT_MS = 60 * 60 * 1000;

function runSync(args: string[]): RunResult {
  if (args.length === 0 || args[0] === '') return { rc: 127, output: '' };
  const r = builtin.childProcess.spawnSync(args[0], args.slice(1), { input: '', stdio: ['pipe', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { rc: 127, output: '' };
  const output = decodeBytes(Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]));
  return { rc: r.status ?? 127, output };
}

function runAsync(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let child: ReturnType<typeof spawnType>;
    if (args.length === 0 || args[0] === '') {
      resolve({ rc: 127, output: '' });
      return;
    }
    try {
      child = builtin.childProcess.spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      resolve({ rc: 127, output: '' });
      return;
    }
    // Our own timer (spawn's timeout option outlives a child that failed to start).
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    timer.unref();
    child.stdout!.on('data', (d: Buffer) => chunks.push(d));
    child.stderr!.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', () => { clearTimeout(timer); resolve({ rc: 127, output: '' }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ rc: code ?? 127, output: decodeBytes(Buffer.concat(chunks)) }); });
  });
}
