// Regenerates the binary lookup fixtures of the expansion corpus from their
// text sources, deterministically: data.cdb from data.cdb.txt, data.sqlite
// from data.sql.  Run with `node test/expand/corpus/make-fixtures.ts`;
// the outputs are committed so tests never need to build them.

import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { FIXTURES_DIR } from './be-batch.ts';

/** The hash function of D. J. Bernstein's cdb format. */
function cdbHash(key: Buffer): number {
  let h = 5381;
  for (const c of key) h = (((h << 5) + h) >>> 0 ^ c) >>> 0;
  return h;
}

/** Build a cdb file image: 2048-byte pointer table, records, then 256 hash tables. */
export function buildCdb(records: [Buffer, Buffer][]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(2048)];
  let pos = 2048;
  const buckets: { hash: number; pos: number }[][] = Array.from({ length: 256 }, () => []);
  for (const [k, v] of records) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(k.length, 0);
    head.writeUInt32LE(v.length, 4);
    parts.push(head, k, v);
    const hash = cdbHash(k);
    buckets[hash & 255]!.push({ hash, pos });
    pos += 8 + k.length + v.length;
  }
  const header = parts[0]!;
  buckets.forEach((bucket, i) => {
    const slots = bucket.length * 2;
    header.writeUInt32LE(pos, i * 8);
    header.writeUInt32LE(slots, i * 8 + 4);
    const table = Buffer.alloc(slots * 8);
    for (const e of bucket) {
      let s = (e.hash >>> 8) % slots;
      while (table.readUInt32LE(s * 8 + 4) !== 0) s = (s + 1) % slots;
      table.writeUInt32LE(e.hash, s * 8);
      table.writeUInt32LE(e.pos, s * 8 + 4);
    }
    parts.push(table);
    pos += table.length;
  });
  return Buffer.concat(parts);
}

/** data.cdb.txt holds "key<TAB>value" lines; \n in a value stands for a newline. */
function makeCdb(): void {
  const src = fs.readFileSync(path.join(FIXTURES_DIR, 'data.cdb.txt'), 'utf8');
  const records: [Buffer, Buffer][] = [];
  for (const line of src.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    records.push([Buffer.from(line.slice(0, tab)), Buffer.from(line.slice(tab + 1).replaceAll('\\n', '\n'))]);
  }
  fs.writeFileSync(path.join(FIXTURES_DIR, 'data.cdb'), buildCdb(records));
}

function makeSqlite(): void {
  const file = path.join(FIXTURES_DIR, 'data.sqlite');
  fs.rmSync(file, { force: true });
  const db = new DatabaseSync(file);
  db.exec(fs.readFileSync(path.join(FIXTURES_DIR, 'data.sql'), 'utf8'));
  db.close();
}

makeCdb();
makeSqlite();
console.log('wrote data.cdb and data.sqlite in', FIXTURES_DIR);
