// The primary's side of the workers: start N of them, hand each accepted
// socket to the least loaded, keep the connection counts up to date from the
// workers' "end" reports, replace a worker that dies, and roll over to a new
// generation on reload (the old one drains: no session is dropped).

import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import type { FromWorker, HandedConnection, ToWorker } from './protocol.ts';
import { ROLE_ENV } from './protocol.ts';

export interface PoolOptions {
  /** How many workers per generation. */
  size: number;
  /** Program and arguments that start a worker (tern's entry and its command line). */
  modulePath: string;
  args: string[];
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** A worker died without being asked to: for the panic log. */
  onCrash(pid: number, how: string): void;
  /** A worker could not start (its own report, or how it exited before being ready). */
  onStartFailure(message: string): void;
  /** A connection has ended (its session finished or its worker died). */
  onConnectionEnd(id: number): void;
  /** Delay before replacing a worker that died young (tests shorten it). */
  respawnDelayMs?: number;
}

interface WorkerSlot {
  child: ChildProcess;
  generation: number;
  ready: boolean;
  draining: boolean;
  started: number;
  connections: Set<number>;
}

type Pending = { socket: net.Socket; conn: HandedConnection };

export class WorkerPool {
  private readonly o: PoolOptions;
  private readonly workers = new Set<WorkerSlot>();
  private generation = 0;
  private pending: Pending[] = [];
  private stopping = false;
  private rr = 0;
  private readonly readyWaiters: Array<{ generation: number; resolve: (ok: boolean) => void }> = [];

  constructor(o: PoolOptions) {
    this.o = o;
  }

  /** Start a generation of workers; resolves true when all are ready, false when any failed to start. */
  startGeneration(overrides: Partial<Pick<PoolOptions, 'args' | 'env'>> = {}): Promise<boolean> {
    Object.assign(this.o, overrides);
    const gen = ++this.generation;
    for (let i = 0; i < this.o.size; i++) this.spawn(gen);
    return new Promise((resolve) => {
      this.readyWaiters.push({ generation: gen, resolve });
      this.checkGenerationReady(gen);
    });
  }

  /** Let every worker of older generations finish its sessions and exit. */
  retireOlderGenerations(): void {
    for (const w of this.workers) {
      if (w.generation < this.generation && !w.draining) {
        w.draining = true;
        this.sendTo(w, { t: 'drain' });
      }
    }
  }

  /** Abandon the newest generation (its workers failed to start): drain it, go back to the previous one. */
  abandonNewestGeneration(): void {
    for (const w of this.workers) {
      if (w.generation === this.generation) {
        w.draining = true;
        this.sendTo(w, { t: 'drain' });
      }
    }
    this.generation--;
  }

  pids(): number[] {
    return [...this.workers].map((w) => w.child.pid ?? 0).filter((p) => p > 0);
  }

  /** Hand a socket to the least loaded ready worker (queued until one is ready). */
  dispatch(socket: net.Socket, conn: HandedConnection): void {
    this.pending.push({ socket, conn });
    this.flushPending();
  }

  private candidates(): WorkerSlot[] {
    return [...this.workers].filter((w) => w.ready && !w.draining && w.child.connected);
  }

  private flushPending(): void {
    while (this.pending.length > 0) {
      const ready = this.candidates();
      if (ready.length === 0) return;
      // Least loaded; ties go round-robin so that idle workers share the work.
      let min = Infinity;
      for (const w of ready) min = Math.min(min, w.connections.size);
      const best = ready.filter((w) => w.connections.size === min);
      const w = best[this.rr++ % best.length];
      const p = this.pending.shift()!;
      this.handOver(w, p);
    }
  }

  private handOver(w: WorkerSlot, p: Pending): void {
    w.connections.add(p.conn.id);
    const msg: ToWorker = { t: 'conn', conn: p.conn };
    w.child.send(msg, p.socket, (err) => {
      if (!err) return;
      // The worker went away in between: its exit handler accounts for the connection.
      p.socket.destroy();
    });
  }

  private sendTo(w: WorkerSlot, m: ToWorker): void {
    if (w.child.connected) w.child.send(m, (err) => void err);
  }

  private spawn(gen: number): void {
    const child = fork(this.o.modulePath, this.o.args, {
      // A larger young generation: each message leaves short-lived buffers and
      // strings behind, and fewer scavenges promote less of them (measured:
      // more messages/s and less CPU per message under bench/smtp.ts).
      execArgv: [...(this.o.execArgv ?? []), ...(this.o.execArgv?.some((a) => a.startsWith('--max-semi-space-size')) ? [] : ['--max-semi-space-size=16'])],
      // fsync and file I/O run on libuv's thread pool: with its default of 4
      // threads, concurrent sessions of a worker would queue for their commits.
      env: { UV_THREADPOOL_SIZE: '16', ...(this.o.env ?? process.env), [ROLE_ENV]: 'worker' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const w: WorkerSlot = { child, generation: gen, ready: false, draining: false, started: Date.now(), connections: new Set() };
    this.workers.add(w);
    let fatal: string | undefined;
    child.on('message', (m: FromWorker) => {
      if (m.t === 'ready') {
        w.ready = true;
        this.checkGenerationReady(w.generation);
        this.flushPending();
      } else if (m.t === 'end') {
        if (w.connections.delete(m.id)) this.o.onConnectionEnd(m.id);
        this.flushPending();
      } else if (m.t === 'fatal') {
        fatal = m.message;
      }
    });
    child.on('error', (e) => {
      fatal ??= e.message;
    });
    child.on('exit', (code, signal) => this.onExit(w, code, signal, fatal));
  }

  private onExit(w: WorkerSlot, code: number | null, signal: NodeJS.Signals | null, fatal: string | undefined): void {
    this.workers.delete(w);
    for (const id of w.connections) this.o.onConnectionEnd(id);
    w.connections.clear();
    const how = signal ? `killed by signal ${signal}` : `exit code ${code}`;
    if (!w.ready) {
      this.o.onStartFailure(fatal ?? `worker process ${w.child.pid ?? '?'} ended before it was ready (${how})`);
      if (this.readyWaiters.some((r) => r.generation === w.generation)) {
        // Start-up or reload: the caller decides what to do.
        this.checkGenerationReady(w.generation, true);
        return;
      }
      // A replacement that cannot start (the configuration file broke since?): try again later.
      if (!this.stopping && !w.draining && w.generation === this.generation) {
        setTimeout(() => {
          if (!this.stopping && w.generation === this.generation) this.spawn(w.generation);
        }, 5 * (this.o.respawnDelayMs ?? 1000)).unref();
      }
      this.checkAllGone();
      return;
    }
    if (this.stopping || w.draining) {
      this.checkAllGone();
      return;
    }
    this.o.onCrash(w.child.pid ?? 0, how);
    // A worker that dies at once would die again at once: pause before the next.
    const young = Date.now() - w.started < 1000;
    const delay = young ? (this.o.respawnDelayMs ?? 1000) : 0;
    setTimeout(() => {
      if (!this.stopping && w.generation === this.generation) this.spawn(w.generation);
    }, delay).unref();
  }

  private checkGenerationReady(gen: number, failed = false): void {
    for (let i = this.readyWaiters.length - 1; i >= 0; i--) {
      const waiter = this.readyWaiters[i];
      if (waiter.generation !== gen) continue;
      const members = [...this.workers].filter((w) => w.generation === gen);
      if (failed) {
        this.readyWaiters.splice(i, 1);
        waiter.resolve(false);
      } else if (members.length === this.o.size && members.every((w) => w.ready)) {
        this.readyWaiters.splice(i, 1);
        waiter.resolve(true);
      }
    }
  }

  private goneWaiters: Array<() => void> = [];

  private checkAllGone(): void {
    if (this.workers.size > 0) return;
    for (const f of this.goneWaiters.splice(0)) f();
  }

  /** Stop: workers finish their sessions within graceMs; those still there after killAfterMs are killed. */
  stop(graceMs: number, killAfterMs: number): Promise<void> {
    this.stopping = true;
    for (const p of this.pending.splice(0)) p.socket.destroy();
    for (const w of this.workers) this.sendTo(w, { t: 'stop', graceMs });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const w of this.workers) w.child.kill('SIGKILL');
      }, killAfterMs);
      this.goneWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.checkAllGone();
    });
  }
}
