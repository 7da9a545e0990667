// Option definitions by scope, built from the generated table. Drivers are
// data: a driver's options are the generic table of its kind plus its own rows.

import { DRIVER_NAMES, OPTION_TABLE } from './options-table.ts';
import type { OptionDef, OptionRow, OptionType } from './option-types.ts';

export type DriverKind = 'routers' | 'transports' | 'authenticators';

const cache = new Map<string, Map<string, OptionDef>>();

function toDef(row: OptionRow, scope: string): OptionDef {
  const t = row[1];
  const expanded = t.endsWith('*');
  return {
    name: row[0],
    type: (expanded ? t.slice(0, -1) : t) as OptionType,
    expanded,
    default: row[2],
    hidden: row[3] === 'h',
    scope,
  };
}

/** The options of one table (main, routers, transports, authenticators, or a driver name), by name, in table order. */
export function optionsOf(scope: string): Map<string, OptionDef> {
  let m = cache.get(scope);
  if (!m) {
    m = new Map();
    for (const row of OPTION_TABLE[scope] ?? []) m.set(row[0], toDef(row, scope));
    cache.set(scope, m);
  }
  return m;
}

export function mainOptions(): Map<string, OptionDef> {
  return optionsOf('main');
}

export function isKnownDriver(kind: DriverKind, driver: string): boolean {
  return DRIVER_NAMES[kind].includes(driver);
}

export function driverNames(kind: DriverKind): readonly string[] {
  return DRIVER_NAMES[kind];
}

/** A driver option: the driver's private table first (it may override a generic one), then the generic table. */
export function findDriverOption(kind: DriverKind, driver: string | undefined, name: string): OptionDef | undefined {
  return (driver ? optionsOf(driver).get(name) : undefined) ?? optionsOf(kind).get(name);
}
