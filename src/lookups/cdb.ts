// cdb: constant databases (cdb-format.ts). The whole file is read into
// memory once per change of the file (file-cache.ts); a lookup is a hash
// and one or two slot probes.

import { readFileSync, statSync } from 'node:fs';
import { cdbFind } from './cdb-format.ts';
import { lookupFile } from './file-cache.ts';
import { openFailed, strerror } from './file-errors.ts';
import { registerLookup } from './registry.ts';
import { LookupError, LookupOpenError, type LookupRequest } from './types.ts';

function load(file: string): Buffer {
  let db: Buffer;
  try {
    if (statSync(file).isDirectory()) {
      throw new LookupError(`failed to open cannot read header from ${file} for cdb lookup: ${strerror({ code: 'EISDIR' })}`);
    }
    db = readFileSync(file);
  } catch (err) {
    if (err instanceof LookupError) throw err;
    throw new LookupOpenError(openFailed(file, 'cdb lookup', err));
  }
  // Exim's wording for a file without a complete header, kept as it prints it.
  if (db.length < 2048) throw new LookupError(`failed to open ${file} too short for cdb lookup: Success`);
  return db;
}

const databases = lookupFile('cdb', load);

registerLookup({
  name: 'cdb',
  style: 'single-key',
  check: databases.check,
  find(req: LookupRequest): string | null {
    const data = cdbFind(databases.of(req), Buffer.from(req.key, 'utf8'));
    return data === null ? null : data.toString('utf8');
  },
});
