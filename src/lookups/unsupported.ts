// Lookup types Exim has and tern does not provide. They still parse with
// their own style (so "a single key was given ..." and "partial is not
// permitted" come out as Exim words them) and fail when run, naming the
// type. They are not registered, so they are never listed as supported.
// mysql and pgsql with no servers configured answer as Exim does then (a
// DEFER): that needs no database client.

import { LookupDefer, LookupError, type LookupDriver, type LookupRequest, type LookupStyle } from './types.ts';

const STYLES: Record<string, LookupStyle> = {
  ldap: 'query', ldapdn: 'query', ldapm: 'query', mysql: 'query', pgsql: 'query', oracle: 'query',
  ibase: 'query', nisplus: 'query', whoson: 'query', testdb: 'query',
  nis: 'single-key', nis0: 'single-key', dbm: 'single-key', dbmjz: 'single-key', dbmnz: 'single-key',
  spf: 'single-key',
};

/** "no MySQL servers defined (mysql_servers option)" when neither the option nor servers= is set. */
const SERVER_OPTIONS: Record<string, [string, string]> = {
  mysql: ['mysql_servers', 'MySQL'],
  pgsql: ['pgsql_servers', 'PostgreSQL'],
};

const drivers = new Map<string, LookupDriver>();

/** A failing driver for a lookup type tern lacks, or undefined when Exim has no such type either. */
export function unsupportedDriver(name: string): LookupDriver | undefined {
  const style = STYLES[name];
  if (!style) return undefined;
  let driver = drivers.get(name);
  if (!driver) {
    driver = {
      name,
      style,
      find(req: LookupRequest): string | null {
        const servers = SERVER_OPTIONS[name];
        if (servers && !req.options.get('servers') && !req.ctx.options?.get(servers[0])) {
          throw new LookupDefer(`no ${servers[1]} servers defined (${servers[0]} option)`);
        }
        throw new LookupError(`lookup type "${name}" is not supported`);
      },
    };
    drivers.set(name, driver);
  }
  return driver;
}
