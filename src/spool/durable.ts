// Durable directory updates with group commit.
//
// A new file is safe only once its directory entry is on disk, which takes an
// fsync of the directory. Concurrent writers in one process share those
// fsyncs: requests that arrive while a directory fsync is in progress wait
// for the next one (their entries may postdate the one running), and all
// requests gathered by then are served by that single fsync. No request is
// ever answered by an fsync that started before it was made.
//
// Opening a directory read-only needs no lock and no disk access (it is in
// the cache: we just wrote to it) and closing it is as cheap, so only the
// fsync goes to libuv's thread pool.

import fs from 'node:fs';
import path from 'node:path';
import { fsyncFile } from './fs-ops.ts';

/** fsync a file or directory by name. */
export async function fsyncPath(p: string): Promise<void> {
  const fd = fs.openSync(p, fs.constants.O_RDONLY);
  try {
    await fsyncFile(fd);
  } finally {
    fs.closeSync(fd);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

class DirSyncQueue {
  private readonly dir: string;
  private running = false;
  private waiting: Waiter[] = [];
  /** Number of fsyncs done (for tests and the benchmark). */
  syncs = 0;
  constructor(dir: string) {
    this.dir = dir;
  }
  request(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }
  private start(): void {
    this.running = true;
    // Let writers that finished in this turn of the event loop join the batch.
    setImmediate(() => void this.run());
  }
  private async run(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      await fsyncPath(this.dir);
      this.syncs++;
      for (const w of batch) w.resolve();
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
    if (this.waiting.length > 0) this.start();
    else this.running = false;
  }
}

const queues = new Map<string, DirSyncQueue>();

/** Resolve once every entry made in `dir` before this call is on disk. */
export function syncDirectory(dir: string): Promise<void> {
  const key = path.resolve(dir);
  let q = queues.get(key);
  if (!q) {
    q = new DirSyncQueue(key);
    queues.set(key, q);
  }
  return q.request();
}

/** Total directory fsyncs done by the group-commit queues of this process. */
export function directorySyncCount(): number {
  let n = 0;
  for (const q of queues.values()) n += q.syncs;
  return n;
}

const madeDirs = new Set<string>();

/**
 * mkdir -p that makes new directories durable: each directory it creates is
 * fsynced in its parent. Known directories are remembered per process.
 */
export async function ensureDurableDir(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  if (madeDirs.has(abs)) return;
  const missing: string[] = [];
  for (let d = abs; ; d = path.dirname(d)) {
    try {
      await fs.promises.stat(d);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || d === path.dirname(d)) throw e;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      await fs.promises.mkdir(d, { mode: 0o750 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    await syncDirectory(path.dirname(d));
  }
  madeDirs.add(abs);
}
