// Runs JavaScript RegExp matches (patterns RE2 cannot take) in a worker
// thread under a time limit, so a backtracking blow-up on a hostile subject
// costs at most the limit instead of stalling the process. The caller blocks
// (Atomics.wait) for the answer: matching stays synchronous for expansions.
//
// A match that runs out of time counts as "no match", as Exim treats a PCRE2
// match-limit error; timeouts are counted for whoever wants to log them.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

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
function run(req) {
  const s = req.subject;
  const g = compile(req.source, 'g');
  const out = [];
  let p = 0;
  let retry = false;
  while (p <= s.length) {
    let m, groups;
    if (retry) {
      const ne = compile(req.nonEmptySource, 'y');
      ne.lastIndex = p;
      m = ne.exec(s);
      if (!m) { p++; retry = false; continue; }
      groups = m.slice(2);
    } else {
      g.lastIndex = p;
      m = g.exec(s);
      if (!m) break;
      groups = m.slice(1);
    }
    const end = m.index + m[0].length;
    out.push({ index: m.index, end, groups });
    if (req.op === 'first') break;
    retry = end === m.index;
    p = end;
  }
  return out;
}
port.on('message', (req) => {
  let reply;
  try { reply = { ok: run(req) }; } catch (e) { reply = { error: String(e && e.message || e) }; }
  port.postMessage(reply);
  Atomics.store(sig, 0, 1);
  Atomics.notify(sig, 0);
});
Atomics.store(sig, 1, 1);
Atomics.notify(sig, 1);
`;

const BOOT_LIMIT_MS = 10_000;
let timeLimitMs = 200;
let timeouts = 0;

interface Runner { worker: Worker; port: MessagePort; sig: Int32Array }
let runner: Runner | null = null;

/** Sets the time a single JavaScript-engine match may take (default 200 ms, about PCRE2's match limit). */
export function setRegexTimeLimit(ms: number): void {
  timeLimitMs = ms;
}

/** How many matches have been cut off by the time limit since start. */
export function regexTimeouts(): number {
  return timeouts;
}

function startRunner(): Runner {
  const signal = new SharedArrayBuffer(8);
  const sig = new Int32Array(signal);
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
  r.port.postMessage(req);
  if (Atomics.wait(r.sig, 0, 0, timeLimitMs) === 'timed-out') {
    timeouts++;
    void r.worker.terminate();
    runner = null;
    return { kind: 'timeout' };
  }
  let msg = receiveMessageOnPort(r.port);
  while (msg === undefined) msg = receiveMessageOnPort(r.port);
  const reply = msg.message as { ok?: JsMatch[]; error?: string };
  if (reply.error !== undefined) throw new Error(`regex worker: ${reply.error}`);
  return { kind: 'ok', matches: reply.ok! };
}
