// lsearch: literal, case-insensitive keys in a text file. The file is parsed
// once into a Map (first occurrence of a key wins) and re-parsed only when it
// changes (file-cache.ts), so a lookup is one Map probe.

import { lookupFile } from './file-cache.ts';
import { asciiLower, readLsearchFile, recordAnswer, type LsearchRecord } from './lsearch-format.ts';
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

const indexes = lookupFile('lsearch', loadIndex);

registerLookup({
  name: 'lsearch',
  style: 'single-key',
  check: indexes.check,
  find(req: LookupRequest): string | null {
    const rec = indexes.of(req).get(asciiLower(req.key));
    return rec ? recordAnswer(rec, req.options) : null;
  },
});
