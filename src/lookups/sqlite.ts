// sqlite: an SQL query against an SQLite file (node:sqlite). The file comes
// from the ",file=/path" option, else (deprecated) a leading "/path " in the
// query, else the sqlite_dbfile main option; it must be absolute. One
// column gives its values verbatim, several give "name=value " pairs (value
// double-quoted when empty or holding white space); rows are joined by
// newlines; SQL NULL prints as <NULL>; no rows (or an SQL error, as in Exim)
// is "not found". A locked database defers. Results are cached per
// (file, query) until the file changes; connections stay open per file.

import { DatabaseSync } from 'node:sqlite';
import { fileGeneration } from './file-cache.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, LookupError, LookupOpenError, type LookupRequest } from './types.ts';

const connections = new Map<string, DatabaseSync>();
const results = new Map<string, { generation: number; value: string | null }>();
const RESULTS_MAX = 10_000;

/** Exim time value ("5s", "1m30s", "2h", plain seconds) in milliseconds. */
function timeMs(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  let total = 0;
  const re = /(\d+)([wdhms]?)/g;
  const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, '': 1 };
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) total += Number(m[1]) * unit[m[2]];
  return total * 1000;
}

function connection(file: string, req: LookupRequest): DatabaseSync {
  let db = connections.get(file);
  if (!db) {
    const timeout = timeMs(req.ctx.options?.get('sqlite_lock_timeout'), 5000);
    try {
      db = new DatabaseSync(file, { timeout });
    } catch (err) {
      // a database that cannot be opened fails the expansion in SQLite's words ("unable to open database file"), as in Exim
      throw new LookupOpenError((err as Error).message);
    }
    connections.set(file, db);
  }
  return db;
}

/** SQLite's own text for a REAL ("%!.15g": always with a '.' or exponent). */
function realText(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : v < 0 ? '-Inf' : 'NaN';
  let s = v.toPrecision(15);
  let exp = '';
  const e = s.indexOf('e');
  if (e >= 0) {
    exp = s.slice(e);
    s = s.slice(0, e);
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  else s += '.0';
  if (exp) exp = `e${exp[1] === '-' ? '-' : '+'}${exp.slice(2).padStart(2, '0')}`;
  return s + exp;
}

function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realText(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

function quoted(v: string): string {
  if (v !== '' && !/[ \t\n\r]/.test(v) && v[0] !== '"') return v;
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function run(db: DatabaseSync, query: string): string | null {
  let rows: unknown[][];
  let names: string[];
  try {
    const stmt = db.prepare(query);
    stmt.setReturnArrays(true);
    stmt.setReadBigInts(true);
    names = stmt.columns().map((c) => c.name);
    rows = stmt.all() as unknown as unknown[][];
  } catch (err) {
    const code = (err as { errcode?: number }).errcode;
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6): someone holds the database; try later.
    if (code !== undefined && (code & 0xff) >= 5 && (code & 0xff) <= 6) {
      throw new LookupDefer(`sqlite: ${(err as Error).message}`);
    }
    return null;
  }
  if (rows.length === 0) return null;
  const lines = rows.map((row) => {
    if (row.length === 1) return valueText(row[0]) ?? '<NULL>';
    let line = '';
    row.forEach((v, i) => {
      const t = valueText(v);
      line += `${names[i]}=${t === null ? '<NULL>' : quoted(t)} `;
    });
    return line;
  });
  return lines.join('\n');
}

registerLookup({
  name: 'sqlite',
  style: 'query',
  find(req: LookupRequest): string | null {
    let query = req.key;
    let file = req.options.get('file') ?? req.file;
    if (!file && /^\s*\//.test(query)) {
      const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(query)!;
      file = m[1];
      query = m[2];
      // A file named inside a query that holds tainted data is itself tainted.
      if (req.queryTainted) throw new LookupError(`Tainted filename for search: '${file}'`);
    }
    if (!file) file = req.ctx.options?.get('sqlite_dbfile');
    if (!file || !file.startsWith('/')) throw new LookupError('absolute file name expected for "sqlite" lookup');
    const id = `${file}\0${query}`;
    const generation = fileGeneration(file);
    const hit = results.get(id);
    const mode = req.options.get('cache');
    if (hit && hit.generation === generation && mode !== 'no' && mode !== 'no_rd') return hit.value;
    const value = run(connection(file, req), query);
    if (mode !== 'no' && mode !== 'no_wr') {
      if (results.size >= RESULTS_MAX) results.clear();
      // The file may have been created by opening it: take the generation afresh.
      results.set(id, { generation: fileGeneration(file), value });
    }
    return value;
  },
  quote(s: string): string {
    return s.replace(/'/g, "''");
  },
});

/** Close connections and forget results (tests; end of a delivery process). */
export function closeSqlite(): void {
  for (const db of connections.values()) db.close();
  connections.clear();
  results.clear();
}
