// check_local_user needs more of a password entry than src/config/users.ts
// keeps (home directory, gid). Node has no getpwnam(); /etc/passwd (or
// $TERN_PASSWD_FILE, for tests) is read once per process.

import fs from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

let table: Map<string, PasswdEntry> | undefined;

function load(): Map<string, PasswdEntry> {
  const t = new Map<string, PasswdEntry>();
  let text: string;
  try {
    text = fs.readFileSync(process.env.TERN_PASSWD_FILE ?? '/etc/passwd', 'utf8');
  } catch {
    return t;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7 || f[0] === '' || t.has(f[0])) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    t.set(f[0], { name: f[0], uid, gid, home: f[5], shell: f[6] });
  }
  return t;
}

/** getpwnam(): exact, case-sensitive match as the C library does it. */
export function getpwnam(name: string): PasswdEntry | undefined {
  return (table ??= load()).get(name);
}

/** Forget the cached file (tests switch TERN_PASSWD_FILE). */
export function resetPasswdCache(): void {
  table = undefined;
}
