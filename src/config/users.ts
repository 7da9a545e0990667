// User and group names → ids: users from the shared passwd reader
// (src/util/passwd.ts), groups from /etc/group, read once per process.

import fs from 'node:fs';
import { passwdTable } from '../util/passwd.ts';

interface IdTable {
  byName: Map<string, number>;
  byId: Map<number, string>;
}

let users: IdTable | undefined;
let groups: IdTable | undefined;

function readTable(file: string): IdTable {
  const t: IdTable = { byName: new Map(), byId: new Map() };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return t;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue;
    const id = Number(f[2]);
    if (!Number.isInteger(id)) continue;
    if (!t.byName.has(f[0])) t.byName.set(f[0], id);
    if (!t.byId.has(id)) t.byId.set(id, f[0]);
  }
  return t;
}

function userTable(): IdTable {
  if (users) return users;
  const { byName, byUid } = passwdTable();
  users = { byName: new Map(), byId: new Map() };
  for (const [name, e] of byName) users.byName.set(name, e.uid);
  for (const [uid, e] of byUid) users.byId.set(uid, e.name);
  return users;
}
function groupTable(): IdTable {
  return (groups ??= readTable(process.env.TERN_GROUP_FILE ?? '/etc/group'));
}

/** A user's id: all digits is a number, otherwise looked up; undefined when unknown. */
export function lookupUid(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return userTable().byName.get(name);
}

export function lookupGid(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return groupTable().byName.get(name);
}

export function userName(uid: number): string | undefined {
  return userTable().byId.get(uid);
}

export function groupName(gid: number): string | undefined {
  return groupTable().byId.get(gid);
}
