// lmdb: single-key lookups in an LMDB data file, read-only (spec: "lmdb").
// As Exim opens it (MDB_NOSUBDIR), the name is the data file itself, the
// kind `mdb_load -n` writes, not an environment directory. Keys and values
// are raw bytes; a value ends at its first NUL, as Exim's C string does.
// Open failures are lookup errors worded as Exim's; failures while looking
// up defer.

import { encodeBytes, decodeBytes } from '../expand/operators/bytes.ts';
import { strerror } from './file-errors.ts';
import { LmdbFile } from './lmdb-format.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, LookupOpenError, type LookupRequest } from './types.ts';

function open(file: string): LmdbFile {
  try {
    return LmdbFile.open(file);
  } catch (err) {
    throw new LookupOpenError(`LMDB: Unable to open environment with ${file}: ${strerror(err)}`);
  }
}

registerLookup({
  name: 'lmdb',
  style: 'single-key',
  cacheable: true,
  check(req: LookupRequest): void {
    open(req.file!).close();
  },
  find(req: LookupRequest): string | null {
    const db = open(req.file!);
    let value: Buffer | null;
    try {
      value = db.get(encodeBytes(req.key));
    } catch (err) {
      throw new LookupDefer(`LMDB: lookup error: ${strerror(err)}`);
    } finally {
      db.close();
    }
    if (value === null) return null;
    const nul = value.indexOf(0);
    return decodeBytes(nul < 0 ? value : value.subarray(0, nul));
  },
});
