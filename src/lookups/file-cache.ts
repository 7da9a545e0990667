// Parsed lookup files, kept per (kind, path) and re-read only when the file
// changes. The file is stat()ed at most once per STALE_MS per entry, so a
// change becomes visible within that bound (Exim re-reads per process; our
// daemon lives long, so we re-check instead). A generation number changes
// whenever the data is reloaded; result caches compare it to stay coherent.

import { statSync } from 'node:fs';

/** Upper bound on how long a changed file can go unnoticed, milliseconds. */
export const STALE_MS = 1000;

interface Entry<T> {
  stamp: string;
  checkedAt: number;
  generation: number;
  value: T;
}

const entries = new Map<string, Entry<unknown>>();
let nextGeneration = 1;

function stampOf(path: string): string {
  const st = statSync(path);
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * Return the data loaded from path by load(), reusing it while the file's
 * inode, size and times are unchanged. Errors come from load() (which words
 * them as the lookup type does) and are not cached.
 */
export function cachedFile<T>(kind: string, path: string, load: (path: string) => T, now = Date.now()): { value: T; generation: number } {
  const id = `${kind}\0${path}`;
  const hit = entries.get(id) as Entry<T> | undefined;
  if (hit && now - hit.checkedAt < STALE_MS) return hit;
  let stamp: string;
  try {
    stamp = stampOf(path);
  } catch {
    // Let the loader meet (and word) the same error; nothing is cached.
    return { value: load(path), generation: nextGeneration++ };
  }
  if (hit && hit.stamp === stamp) {
    hit.checkedAt = now;
    return hit;
  }
  const entry: Entry<T> = { stamp, checkedAt: now, generation: nextGeneration++, value: load(path) };
  entries.set(id, entry);
  return entry;
}

/** One lookup type's parsed files, for its find() and check(). */
export interface LookupFile<T> {
  /** The request's file as load() parsed it (cached). */
  of(req: { file?: string }): T;
  /** Load the request's file, so that a bad one is reported (a lookup's check()). */
  check(req: { file?: string }): void;
}

/** The cached parse of a single-key lookup's file (req.file), by kind. */
export function lookupFile<T>(kind: string, load: (path: string) => T): LookupFile<T> {
  const of = (req: { file?: string }): T => cachedFile(kind, req.file!, load).value;
  return { of, check: (req) => { of(req); } };
}

/** Only the stat part: a generation that changes when the file changes (for result caches). */
export function fileGeneration(path: string, now = Date.now()): number {
  return cachedFile('stat', path, () => null, now).generation;
}

/** Forget everything (tests; "flush lookup caches" points of delivery). */
export function clearFileCache(): void {
  entries.clear();
}
