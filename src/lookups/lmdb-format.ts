// Reading LMDB data files as liblmdb 0.9 writes them (`mdb_load -n`, i.e.
// one data file, MDB_NOSUBDIR): a copy-on-write B+tree whose root the newer
// of the two meta pages at the start of the file names. Only what a lookup
// needs is here: the main database, read-only, one key at a time.
//
// Why not the npm "lmdb" package: it bundles a modified LMDB whose page
// layout differs (an extra page field, data version 2), and it crashes the
// process when it opens a file liblmdb wrote. This reader follows the
// documented on-disk layout of LMDB 0.9 on a 64-bit little-endian host.
//
// No reader slot is taken in the lock file, so a writer could recycle pages
// while we read them. Pages freed by one transaction are reused two
// transactions later at the earliest, so a lookup that saw the same meta
// transaction id before and after its page reads read a consistent tree;
// otherwise it is repeated.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const PAGE_HEADER = 16;
const NODE_HEADER = 8;
const META_SIZE = 136;
const DB_RECORD = 48;
/** Offsets in a meta page: the main database record and the transaction id. */
const MAIN_DB_AT = PAGE_HEADER + 24 + DB_RECORD;
const TXNID_AT = PAGE_HEADER + 128;
const LAST_PAGE_AT = PAGE_HEADER + 120;
const PAGE_SIZE_AT = PAGE_HEADER + 24;

const MAGIC = 0xbeefc0de;
const DATA_VERSION = 1;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;

// Page flags.
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
// Node flags.
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
// Database flags that change how keys compare.
const REVERSE_KEY = 0x02;
const INTEGER_KEY = 0x08;

/** Deepest tree we follow: LMDB trees stay shallow; more means a damaged file. */
const MAX_DEPTH = 64;
/** Attempts at a lookup that a concurrent writer keeps invalidating. */
const MAX_ATTEMPTS = 5;

/** liblmdb's mdb_strerror() texts for the errors a reader can meet. */
export const MDB_ERRORS = {
  invalid: 'MDB_INVALID: File is not an LMDB file',
  version: 'MDB_VERSION_MISMATCH: Database environment version mismatch',
  corrupted: 'MDB_CORRUPTED: Located page was wrong type',
  pageNotFound: 'MDB_PAGE_NOTFOUND: Requested page not found',
  badValSize: 'MDB_BAD_VALSIZE: Unsupported size of key/DB name/data, or wrong DUPFIXED size',
} as const;

/** A failure with liblmdb's wording (or a file error with its errno code). */
export class LmdbError extends Error {
  override name = 'LmdbError';
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

interface DbRecord {
  flags: number;
  depth: number;
  root: bigint;
}

interface Meta {
  pageSize: number;
  lastPage: bigint;
  txnid: bigint;
  main: DbRecord;
}

type Compare = (a: Buffer, b: Buffer) => number;

function readDb(buf: Buffer, at: number): DbRecord {
  return { flags: buf.readUInt16LE(at + 4), depth: buf.readUInt16LE(at + 6), root: buf.readBigUInt64LE(at + 40) };
}

/** An open LMDB data file. */
export class LmdbFile {
  private readonly fd: number;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Open and check the header (as mdb_env_open does); errors are LmdbError. */
  static open(path: string): LmdbFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new LmdbError((err as Error).message, (err as { code?: string }).code);
    }
    const file = new LmdbFile(fd);
    try {
      file.meta();
    } catch (err) {
      file.close();
      throw err;
    }
    return file;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The value stored under key in the main database (the first one, if it holds duplicates), or null. */
  get(key: Buffer): Buffer | null {
    if (key.length === 0) throw new LmdbError(MDB_ERRORS.badValSize);
    for (let attempt = 0; ; attempt++) {
      const meta = this.meta();
      const value = this.search(meta, key);
      if (this.meta().txnid === meta.txnid || attempt + 1 >= MAX_ATTEMPTS) return value;
    }
  }

  private read(length: number, position: number): Buffer {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = readSync(this.fd, buf, got, length - got, position + got);
      } catch (err) {
        throw new LmdbError((err as Error).message, (err as { code?: string }).code);
      }
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  /** The newer valid meta page (liblmdb checks both and keeps the higher transaction). */
  private meta(): Meta {
    let best: Meta | undefined;
    let offset = 0;
    for (let i = 0; i < 2; i++) {
      const buf = this.read(PAGE_HEADER + META_SIZE, offset);
      if (buf.length < PAGE_HEADER + META_SIZE) {
        // liblmdb takes an empty file for a new environment and fails writing it read-only.
        if (buf.length === 0 && offset === 0 && fstatSync(this.fd).size === 0) throw new LmdbError('Bad file descriptor', 'EBADF');
        throw new LmdbError(MDB_ERRORS.invalid);
      }
      if (!(buf.readUInt16LE(10) & P_META) || buf.readUInt32LE(PAGE_HEADER) !== MAGIC) throw new LmdbError(MDB_ERRORS.invalid);
      if (buf.readUInt32LE(PAGE_HEADER + 4) !== DATA_VERSION) throw new LmdbError(MDB_ERRORS.version);
      const meta: Meta = {
        pageSize: buf.readUInt32LE(PAGE_SIZE_AT),
        lastPage: buf.readBigUInt64LE(LAST_PAGE_AT),
        txnid: buf.readBigUInt64LE(TXNID_AT),
        main: readDb(buf, MAIN_DB_AT),
      };
      if (meta.pageSize < 256 || meta.pageSize > 0x10000 || (meta.pageSize & (meta.pageSize - 1)) !== 0) {
        throw new LmdbError(MDB_ERRORS.invalid);
      }
      if (!best || meta.txnid > best.txnid) best = meta;
      offset = meta.pageSize;
    }
    return best!;
  }

  private page(meta: Meta, pgno: bigint): Buffer {
    if (pgno > meta.lastPage) throw new LmdbError(MDB_ERRORS.pageNotFound);
    const buf = this.read(meta.pageSize, Number(pgno) * meta.pageSize);
    if (buf.length < meta.pageSize) throw new LmdbError(MDB_ERRORS.pageNotFound);
    if (buf.readBigUInt64LE(0) !== pgno) throw new LmdbError(MDB_ERRORS.corrupted);
    return buf;
  }

  private search(meta: Meta, key: Buffer): Buffer | null {
    const db = meta.main;
    if (db.root === NO_PAGE) return null;
    const compare = keyCompare(db.flags & REVERSE_KEY, db.flags & INTEGER_KEY);
    let page = this.page(meta, db.root);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const flags = page.readUInt16LE(10);
      if (flags & P_BRANCH) {
        page = this.page(meta, branchChild(page, key, compare));
        continue;
      }
      if (!(flags & P_LEAF) || flags & P_LEAF2) throw new LmdbError(MDB_ERRORS.corrupted);
      const node = findLeafNode(page, key, compare);
      return node === null ? null : this.nodeValue(meta, page, node);
    }
    throw new LmdbError(MDB_ERRORS.corrupted);
  }

  /** The data of a leaf node: inline, on overflow pages, or the first of its duplicates. */
  private nodeValue(meta: Meta, page: Buffer, node: number): Buffer {
    const size = page.readUInt16LE(node) | (page.readUInt16LE(node + 2) << 16);
    const nodeFlags = page.readUInt16LE(node + 4);
    const dataAt = node + NODE_HEADER + page.readUInt16LE(node + 6);
    if (nodeFlags & F_BIGDATA) {
      const pgno = page.readBigUInt64LE(dataAt);
      if (pgno > meta.lastPage) throw new LmdbError(MDB_ERRORS.pageNotFound);
      const head = this.read(PAGE_HEADER, Number(pgno) * meta.pageSize);
      if (head.length < PAGE_HEADER || !(head.readUInt16LE(10) & P_OVERFLOW)) throw new LmdbError(MDB_ERRORS.corrupted);
      const data = this.read(size, Number(pgno) * meta.pageSize + PAGE_HEADER);
      if (data.length < size) throw new LmdbError(MDB_ERRORS.pageNotFound);
      return data;
    }
    const data = page.subarray(dataAt, dataAt + size);
    if (!(nodeFlags & F_DUPDATA)) return Buffer.from(data);
    // Duplicates are stored as the keys of a sub-database (or of a page embedded in the node): the first is the smallest.
    if (nodeFlags & F_SUBDATA) return this.firstKey(meta, readDb(data, 0).root);
    return firstKeyOfLeaf(data);
  }

  private firstKey(meta: Meta, root: bigint): Buffer {
    let page = this.page(meta, root);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const flags = page.readUInt16LE(10);
      if (flags & P_BRANCH) {
        page = this.page(meta, childOf(page, nodeAt(page, 0)));
        continue;
      }
      if (!(flags & P_LEAF)) throw new LmdbError(MDB_ERRORS.corrupted);
      return firstKeyOfLeaf(page);
    }
    throw new LmdbError(MDB_ERRORS.corrupted);
  }
}

function numKeys(page: Buffer): number {
  return (page.readUInt16LE(12) - PAGE_HEADER) >> 1;
}

function nodeAt(page: Buffer, i: number): number {
  const at = page.readUInt16LE(PAGE_HEADER + 2 * i);
  if (at + NODE_HEADER > page.length) throw new LmdbError(MDB_ERRORS.corrupted);
  return at;
}

function nodeKey(page: Buffer, node: number): Buffer {
  const at = node + NODE_HEADER;
  return page.subarray(at, at + page.readUInt16LE(node + 6));
}

/** A branch node's child page number: 48 bits spread over its size and flag fields. */
function childOf(page: Buffer, node: number): bigint {
  const low = page.readUInt16LE(node) | (page.readUInt16LE(node + 2) << 16);
  return BigInt(low >>> 0) | (BigInt(page.readUInt16LE(node + 4)) << 32n);
}

/** The child whose range holds key: the last node whose key is <= key (node 0's key is empty, below all). */
function branchChild(page: Buffer, key: Buffer, compare: Compare): bigint {
  let lo = 1;
  let hi = numKeys(page) - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compare(nodeKey(page, nodeAt(page, mid)), key) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return childOf(page, nodeAt(page, found));
}

function findLeafNode(page: Buffer, key: Buffer, compare: Compare): number | null {
  let lo = 0;
  let hi = numKeys(page) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const node = nodeAt(page, mid);
    const c = compare(nodeKey(page, node), key);
    if (c === 0) return node;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}

/** The first key of a leaf page (an ordinary one, or a packed fixed-size one). */
function firstKeyOfLeaf(page: Buffer): Buffer {
  if (numKeys(page) === 0) throw new LmdbError(MDB_ERRORS.corrupted);
  if (page.readUInt16LE(10) & P_LEAF2) {
    const size = page.readUInt16LE(8);
    return Buffer.from(page.subarray(PAGE_HEADER, PAGE_HEADER + size));
  }
  return Buffer.from(nodeKey(page, nodeAt(page, 0)));
}

/** liblmdb's key orders: bytewise (default), bytewise from the end, or native unsigned integers. */
function keyCompare(reverse: number, integer: number): Compare {
  if (integer) {
    return (a, b) => {
      const x = a.length === 4 ? BigInt(a.readUInt32LE(0)) : a.length === 8 ? a.readBigUInt64LE(0) : -1n;
      const y = b.length === 4 ? BigInt(b.readUInt32LE(0)) : b.length === 8 ? b.readBigUInt64LE(0) : -1n;
      if (x < 0n || y < 0n) throw new LmdbError(MDB_ERRORS.badValSize);
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  if (reverse) {
    return (a, b) => {
      for (let i = a.length - 1, j = b.length - 1; i >= 0 && j >= 0; i--, j--) {
        if (a[i] !== b[j]) return a[i] - b[j];
      }
      return a.length - b.length;
    };
  }
  return (a, b) => Buffer.compare(a, b);
}

