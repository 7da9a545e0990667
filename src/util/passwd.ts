// The user database. Node has no getpwnam()/getpwuid(), so tern reads the
// passwd file itself ($TERN_PASSWD_FILE for tests, else /etc/passwd): one
// reader and one set of rules for every caller (configuration user names,
// check_local_user, the passwd lookup, the local caller's login). Users known
// only to other NSS sources (LDAP, NIS) are not seen. The file is re-read
// when its modification time or size changes.

import fs from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

interface PasswdTable {
  byName: Map<string, PasswdEntry>;
  byUid: Map<number, PasswdEntry>;
  /** Why the file could not be read, if it could not. */
  error?: string;
}

let cached: { file: string; stamp: string; table: PasswdTable } | undefined;

function parse(text: string): PasswdTable {
  const t: PasswdTable = { byName: new Map(), byUid: new Map() };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4 || f[0] === '' || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    const e: PasswdEntry = { name: f[0], uid: Number(f[2]), gid: Number(f[3]), gecos: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' };
    // The first entry wins for a name and for a uid, as the C library's lookups do.
    if (!t.byName.has(e.name)) t.byName.set(e.name, e);
    if (!t.byUid.has(e.uid)) t.byUid.set(e.uid, e);
  }
  return t;
}

/** The parsed passwd file (cached while the file is unchanged). */
export function passwdTable(): PasswdTable {
  const file = process.env.TERN_PASSWD_FILE ?? '/etc/passwd';
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (e) {
    return { byName: new Map(), byUid: new Map(), error: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (cached && cached.file === file && cached.stamp === stamp) return cached.table;
  let table: PasswdTable;
  try {
    table = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    table = { byName: new Map(), byUid: new Map(), error: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  cached = { file, stamp, table };
  return table;
}

/** getpwnam(): exact, case-sensitive match. */
export function getpwnam(name: string): PasswdEntry | undefined {
  return passwdTable().byName.get(name);
}

export function getpwuid(uid: number): PasswdEntry | undefined {
  return passwdTable().byUid.get(uid);
}

/** Forget the cached file (tests switch TERN_PASSWD_FILE within one second). */
export function resetPasswdCache(): void {
  cached = undefined;
}
