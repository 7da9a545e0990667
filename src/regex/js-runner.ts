// Runs JavaScript RegExp matches (patterns RE2 cannot take) in a worker
// thread under a time limit, so a backtracking blow-up on a hostile subject
// costs at most the limit instead of stalling the process. The caller blocks
// (Atomics.wait) for the answer: matching stays synchronous for expansions.
//
// The limit applies to each match attempt, as PCRE2's match limit applies to
// each pcre2_match() call: a ${sg} over a big subject may take longer while
// it keeps finding matches, up to an overall cap. A match that runs out of
// time counts as "no match", as Exim treats a PCRE2 match-limit error;
// timeouts are counted for whoever wants to log them.

import type { MessagePort, Worker } from 'node:worker_threads';

// Loaded on first use: most processes never run a pattern that needs the worker.
const threads = (): typeof import('node:worker_threads') => process.getBuiltinModule('node:worker_threads');

export interface JsMatch {
  index: number;
  end: number;
  /** JavaScript groups 1..n (undefined when unset). */
  groups: (string | undefined)[];
}

export interface JsRequest {
  source: string;
  /** The variant for a non-empty match anchored where the last empty match was (see emit.ts). */
  nonEmptySource?: string;
  subject: string;
  op: 'first' | 'all';
}

export type JsOutcome = { kind: 'ok'; matches: JsMatch[] } | { kind: 'timeout' };

// The worker body is plain JavaScript evaluated from a string so that it
// survives bundling into a single file.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal } = workerData;
const sig = new Int32Array(signal);
const cache = new Map();
function compile(source, flags) {
  const key = flags + ':' + source;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 500) cache.clear();
    re = new RegExp(source, flags);
    cache.set(key, re);
  }
  return re;
}
// Matches travel back flat: [index, end] pairs and groups (null when unset).
function run(req) {
  const s = req.subject;
  const g = compile(req.source, 'g');
  const bounds = [];
  const groups = [];
  let p = 0;
  let retry = false;
  while (p <= s.length) {
    let m, first;
    if (retry) {
      const ne = compile(req.nonEmptySource, 'y');
      ne.lastIndex = p;
      m = ne.exec(s);
      if (!m) { p++; retry = false; continue; }
      first = 2;
    } else {
      g.lastIndex = p;
      m = g.exec(s);
      if (!m) break;
      first = 1;
    }
    const end = m.index + m[0].length;
    bounds.push(m.index, end);
    for (let i = first; i < m.length; i++) groups.push(m[i] === undefined ? null : m[i]);
    Atomics.add(sig, 2, 1);
    if (req.op === 'first') break;
    retry = end === m.index;
    p = end;
  }
  return { bounds: Int32Array.from(bounds), groups };
}
port.on('message', (req) => {
  let reply;
  try { reply = { ok: run(req) }; } catch (e) { reply = { error: String(e && e.message || e) }; }
  Atomics.store(sig, 3, 1); // matching is over: sending the answer takes time linear in its size
  port.postMessage(reply);
  Atomics.store(sig, 0, 1);
  Atomics.notify(sig, 0);
});
Atomics.store(sig, 1, 1);
Atomics.notify(sig, 1);
`;

const BOOT_LIMIT_MS = 10_000;
let timeLimitMs = 200;
let overallLimitMs = 5000;
let timeouts = 0;

interface Runner { worker: Worker; port: MessagePort; sig: Int32Array }
let runner: Runner | null = null;

/**
 * Sets the time one JavaScript-engine match attempt may take (default 200 ms,
 * about what PCRE2's default match limit allows) and the cap for a whole
 * ${sg} pass (default 5 s).
 */
export function setRegexTimeLimit(perMatchMs: number, overallMs = Math.max(overallLimitMs, perMatchMs)): void {
  timeLimitMs = perMatchMs;
  overallLimitMs = overallMs;
}

/** How many matches have been cut off by the time limit since start. */
export function regexTimeouts(): number {
  return timeouts;
}

function startRunner(): Runner {
  // [0] reply ready, [1] worker started, [2] matches found so far (progress), [3] replying
  const signal = new SharedArrayBuffer(16);
  const sig = new Int32Array(signal);
  const { MessageChannel, Worker } = threads();
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
  worker.unref();
  port1.unref();
  if (Atomics.wait(sig, 1, 0, BOOT_LIMIT_MS) === 'timed-out') {
    void worker.terminate();
    throw new Error('regex worker did not start');
  }
  return { worker, port: port1, sig };
}

/** Stops the worker (tests, shutdown); the next match starts a new one. */
export function stopRegexWorker(): void {
  if (runner) void runner.worker.terminate();
  runner = null;
}

export function runJs(req: JsRequest): JsOutcome {
  runner ??= startRunner();
  const r = runner;
  Atomics.store(r.sig, 0, 0);
  Atomics.store(r.sig, 2, 0);
  Atomics.store(r.sig, 3, 0);
  r.port.postMessage(req);
  const started = performance.now();
  let progress = 0;
  while (Atomics.wait(r.sig, 0, 0, timeLimitMs) === 'timed-out') {
    if (Atomics.load(r.sig, 3) === 1) continue;
    const now = Atomics.load(r.sig, 2);
    if (now === progress || performance.now() - started > overallLimitMs) {
      timeouts++;
      void r.worker.terminate();
      runner = null;
      return { kind: 'timeout' };
    }
    progress = now;
  }
  const { receiveMessageOnPort } = threads();
  let msg = receiveMessageOnPort(r.port);
  while (msg === undefined) msg = receiveMessageOnPort(r.port);
  const reply = msg.message as { ok?: { bounds: Int32Array; groups: (string | null)[] }; error?: string };
  if (reply.error !== undefined) throw new Error(`regex worker: ${reply.error}`);
  const { bounds, groups } = reply.ok!;
  const count = bounds.length / 2;
  const perMatch = count === 0 ? 0 : groups.length / count;
  const matches: JsMatch[] = [];
  for (let i = 0; i < count; i++) {
    const g = groups.slice(i * perMatch, (i + 1) * perMatch).map((v) => v ?? undefined);
    matches.push({ index: bounds[2 * i]!, end: bounds[2 * i + 1]!, groups: g });
  }
  return { kind: 'ok', matches };
}
