// A small per-process answer cache that honours TTLs. Bounded: when full, the
// entry inserted first goes (answers refresh by re-insertion, so this is
// close to least-recently-fetched).

import type { DnsAnswer } from './types.ts';

const MAX_ENTRIES = 2000;
/** Never keep anything longer than a day, whatever a server claims. */
const MAX_TTL_SECONDS = 86_400;

interface Entry {
  answer: DnsAnswer;
  expires: number;
}

const entries = new Map<string, Entry>();

export function cacheGet(key: string, now = Date.now()): DnsAnswer | undefined {
  const e = entries.get(key);
  if (!e) return undefined;
  if (e.expires <= now) {
    entries.delete(key);
    return undefined;
  }
  return e.answer;
}

export function cachePut(key: string, answer: DnsAnswer, ttlSeconds: number, now = Date.now()): void {
  if (!(ttlSeconds > 0)) return;
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(key, { answer, expires: now + Math.min(ttlSeconds, MAX_TTL_SECONDS) * 1000 });
}

export function clearDnsCache(): void {
  entries.clear();
}

export function cacheSize(): number {
  return entries.size;
}

export const CACHE_LIMIT = MAX_ENTRIES;
