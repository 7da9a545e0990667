// passwd: a query-style lookup of a user by name, answering as Exim does
// with "*:uid:gid:gecos:home:shell" (the password field always "*"), from
// the shared passwd reader (src/util/passwd.ts).

import { passwdTable } from '../util/passwd.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';

registerLookup({
  name: 'passwd',
  style: 'query',
  find(req: LookupRequest): string | null {
    const table = passwdTable();
    if (table.error !== undefined) throw new LookupDefer(table.error);
    const e = table.byName.get(req.key);
    return e ? `*:${e.uid}:${e.gid}:${e.gecos}:${e.home}:${e.shell}` : null;
  },
});
