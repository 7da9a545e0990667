// All lookup types by name. Each driver file calls registerLookup() at import;
// index.ts imports them all so that importing it fills the registry.

import type { LookupDriver } from './types.ts';

const drivers = new Map<string, LookupDriver>();

export function registerLookup(driver: LookupDriver): void {
  drivers.set(driver.name, driver);
}

export function getLookup(name: string): LookupDriver | undefined {
  return drivers.get(name);
}

export function lookupNames(): string[] {
  return [...drivers.keys()].sort();
}

/** Lookup types Exim has that tern does not provide: named so the error is precise. */
export const UNSUPPORTED_LOOKUPS = new Set([
  'ldap', 'ldapdn', 'ldapm', 'mysql', 'pgsql', 'oracle', 'ibase', 'nis', 'nis0', 'nisplus',
  'whoson', 'passwd', 'testdb', 'dbm', 'dbmjz', 'dbmnz', 'psl', 'spf',
]);
