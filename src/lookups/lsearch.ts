// lsearch: literal, case-insensitive keys in a text file. The file is parsed
// once into a Map (first occurrence of a key wins) and re-parsed only when it
// changes (file-cache.ts), so a lookup is one Map probe.

import { cachedFile } from './file-cache.ts';
import { asciiLower, readLsearchFile } from './lsearch-format.ts';
import { registerLookup } from './registry.ts';
import type { LookupRequest } from './types.ts';

function loadIndex(file: string): Map<string, string> {
  const index = new Map<string, string>();
  for (const rec of readLsearchFile(file, 'lsearch')) {
    const k = asciiLower(rec.key);
    if (!index.has(k)) index.set(k, rec.data);
  }
  return index;
}

registerLookup({
  name: 'lsearch',
  style: 'single-key',
  find(req: LookupRequest): string | null {
    return cachedFile('lsearch', req.file!, loadIndex).value.get(asciiLower(req.key)) ?? null;
  },
});
