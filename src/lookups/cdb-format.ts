// The cdb ("constant database") file format of D. J. Bernstein: a 2048-byte
// header of 256 (position, length) pairs locating hash tables; records of
// (key length, data length, key, data); tables of (hash, record position)
// slots probed linearly. All numbers are 32-bit little-endian.

/** The cdb hash: h = 5381; h = (h * 33) ^ byte, modulo 2^32. */
export function cdbHash(key: Uint8Array): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) h = (((h << 5) + h) ^ key[i]) >>> 0;
  return h;
}

/** Find the data for key in a whole cdb file held in memory; null if absent. */
export function cdbFind(db: Buffer, key: Uint8Array): Buffer | null {
  const h = cdbHash(key);
  const slotBase = (h & 255) * 8;
  const tpos = db.readUInt32LE(slotBase);
  const tlen = db.readUInt32LE(slotBase + 4);
  if (tlen === 0) return null;
  let slot = (h >>> 8) % tlen;
  for (let n = 0; n < tlen; n++) {
    const at = tpos + slot * 8;
    if (at + 8 > db.length) return null;
    const hh = db.readUInt32LE(at);
    const pos = db.readUInt32LE(at + 4);
    if (pos === 0) return null;
    if (hh === h && pos + 8 <= db.length) {
      const klen = db.readUInt32LE(pos);
      const dlen = db.readUInt32LE(pos + 4);
      const kstart = pos + 8;
      if (klen === key.length && kstart + klen + dlen <= db.length && db.subarray(kstart, kstart + klen).equals(key)) {
        return db.subarray(kstart + klen, kstart + klen + dlen);
      }
    }
    slot = (slot + 1) % tlen;
  }
  return null;
}

/** Build a cdb file (for tests and tools): first occurrence of a key is the one found. */
export function buildCdb(entries: Iterable<[string | Uint8Array, string | Uint8Array]>): Buffer {
  const toBytes = (x: string | Uint8Array): Buffer => (typeof x === 'string' ? Buffer.from(x, 'utf8') : Buffer.from(x));
  const parts: Buffer[] = [];
  const buckets: { hash: number; pos: number }[][] = Array.from({ length: 256 }, () => []);
  let pos = 2048;
  for (const [k, d] of entries) {
    const key = toBytes(k);
    const data = toBytes(d);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(key.length, 0);
    head.writeUInt32LE(data.length, 4);
    parts.push(head, key, data);
    const hash = cdbHash(key);
    buckets[hash & 255].push({ hash, pos });
    pos += 8 + key.length + data.length;
  }
  const header = Buffer.alloc(2048);
  const tables: Buffer[] = [];
  for (let b = 0; b < 256; b++) {
    const items = buckets[b];
    const tlen = items.length * 2;
    header.writeUInt32LE(pos, b * 8);
    header.writeUInt32LE(tlen, b * 8 + 4);
    if (tlen === 0) continue;
    const table = Buffer.alloc(tlen * 8);
    for (const { hash, pos: rpos } of items) {
      let slot = (hash >>> 8) % tlen;
      while (table.readUInt32LE(slot * 8 + 4) !== 0) slot = (slot + 1) % tlen;
      table.writeUInt32LE(hash, slot * 8);
      table.writeUInt32LE(rpos, slot * 8 + 4);
    }
    tables.push(table);
    pos += table.length;
  }
  return Buffer.concat([header, ...parts, ...tables]);
}
