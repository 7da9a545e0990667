// passwd: a query-style lookup of a user by name, answering as Exim does
// with "*:uid:gid:gecos:home:shell" (the password field always "*").
// Node has no getpwnam(), so the user database is the passwd file itself
// (TERN_PASSWD_FILE, default /etc/passwd, as config/users.ts reads it);
// users known only to other NSS sources (LDAP, NIS) are not seen.

import { readFileSync } from 'node:fs';
import { cachedFile } from './file-cache.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';

function load(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LookupDefer(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7 || f[0] === '' || users.has(f[0])) continue;
    const [name, , uid, gid, gecos, home, shell] = f;
    if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    users.set(name, `*:${uid}:${gid}:${gecos}:${home}:${shell}`);
  }
  return users;
}

registerLookup({
  name: 'passwd',
  style: 'query',
  find(req: LookupRequest): string | null {
    const file = process.env.TERN_PASSWD_FILE ?? '/etc/passwd';
    return cachedFile('passwd', file, load).value.get(req.key) ?? null;
  },
});
