// lsearch: literal, case-insensitive keys in a text file. The file is parsed
// once into a Map (first occurrence of a key wins) and re-parsed only when it
// changes (file-cache.ts), so a lookup is one Map probe.

import { cachedFile } from './file-cache.ts';
import { asciiLower, readLsearchFile, type LsearchRecord } from './lsearch-format.ts';
import { registerLookup } from './registry.ts';
import type { LookupRequest } from './types.ts';

function loadIndex(file: string): Map<string, LsearchRecord> {
  const index = new Map<string, LsearchRecord>();
  for (const rec of readLsearchFile(file, 'lsearch')) {
    const k = asciiLower(rec.key);
    if (!index.has(k)) index.set(k, rec);
  }
  return index;
}

registerLookup({
  name: 'lsearch',
  style: 'single-key',
  check(req: LookupRequest): void {
    cachedFile('lsearch', req.file!, loadIndex);
  },
  find(req: LookupRequest): string | null {
    const rec = cachedFile('lsearch', req.file!, loadIndex).value.get(asciiLower(req.key));
    if (!rec) return null;
    // ret=full: the de-quoted key with the rest of its (joined) line.
    return req.options.get('ret') === 'full' ? rec.full : rec.data;
  },
});
