// Hints databases (ratelimit, seen, and later retry/wait/callout): small
// key → record stores in <spool_directory>/db, shared by every tern process.
//
// Format: one SQLite file per database (<name>.sqlite, so that it never
// collides with Exim's own Berkeley/TDB files of the same directory), a
// single table of (key, data BLOB, stamp). SQLite in WAL mode gives what
// Exim gets from its lock files: a crash never leaves a half-written record
// (each update is one transaction), and several worker processes can read
// and update concurrently (writers queue on the database lock for up to
// LOCK_TIMEOUT_MS; an update is read-modify-write inside one IMMEDIATE
// transaction, so two processes never lose each other's increments).
// Hints are advisory: synchronous=NORMAL keeps commits cheap; the last
// commits before a power cut may be lost, never the file's consistency.

import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

const LOCK_TIMEOUT_MS = 5000;

export interface HintsRecord {
  data: Uint8Array;
  /** Seconds since the epoch when the record was written. */
  stamp: number;
}

export class HintsDbError extends Error {
  override name = 'HintsDbError';
}

export class HintsDb {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly delStmt: StatementSync;

  constructor(file: string) {
    this.file = file;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
      this.db = new DatabaseSync(file, { timeout: LOCK_TIMEOUT_MS });
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec('PRAGMA synchronous = NORMAL');
      this.db.exec('CREATE TABLE IF NOT EXISTS hints (key TEXT PRIMARY KEY, data BLOB NOT NULL, stamp REAL NOT NULL)');
      this.getStmt = this.db.prepare('SELECT data, stamp FROM hints WHERE key = ?');
      this.putStmt = this.db.prepare('INSERT OR REPLACE INTO hints (key, data, stamp) VALUES (?, ?, ?)');
      this.delStmt = this.db.prepare('DELETE FROM hints WHERE key = ?');
    } catch (e) {
      throw new HintsDbError(`cannot open hints database ${file}: ${(e as Error).message}`);
    }
  }

  get(key: string): HintsRecord | undefined {
    const row = this.getStmt.get(key) as { data: Uint8Array; stamp: number } | undefined;
    return row ? { data: row.data, stamp: row.stamp } : undefined;
  }

  put(key: string, data: Uint8Array, stamp = Date.now() / 1000): void {
    this.putStmt.run(key, data, stamp);
  }

  delete(key: string): void {
    this.delStmt.run(key);
  }

  /** Every key, for maintenance tools (tidying, dumping). */
  keys(): string[] {
    return (this.db.prepare('SELECT key FROM hints ORDER BY key').all() as { key: string }[]).map((r) => r.key);
  }

  /** Run fn as one atomic read-modify-write, holding the write lock throughout. */
  update<T>(fn: (db: HintsDb) => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn(this);
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }
}

const open = new Map<string, HintsDb>();

/** The hints database `name` under spoolDir/db, opened once per process. */
export function openHintsDb(spoolDir: string, name: string): HintsDb {
  const file = path.join(spoolDir, 'db', `${name}.sqlite`);
  let db = open.get(file);
  if (!db) {
    db = new HintsDb(file);
    open.set(file, db);
  }
  return db;
}

/** Close every open database (tests; a daemon worker before it exits). */
export function closeHintsDbs(): void {
  for (const db of open.values()) db.close();
  open.clear();
}
