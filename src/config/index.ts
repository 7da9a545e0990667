// Public API of the configuration layer.
//
//   loadConfig(path, macros)   read, check and return a Config (synchronous:
//                              -bV and sendmail run per message and should not
//                              pay for promises; the name keeps the brief's API)
//   findConfigFile(opts)       which file to read (-C, system paths, built-in)
//   loadConfigOrReport(opts, report)   both, for a command-line mode
//
// Errors are ConfigError with Exim's wording ("Exim configuration error in
// line N of FILE:\n  ...").

import fs from 'node:fs';
import { DEFAULT_CONFIGURE, DEFAULT_CONFIG_NAME } from './default-configure.ts';
import { dataDir, dynamicDefault } from './defaults.ts';
import { ConfigError } from './errors.ts';
import { mainOptions } from './options.ts';
import type { TypedValue } from './option-types.ts';
import { readConfig } from './reader.ts';
import type { Config } from './types.ts';
import { parseOptionValue } from './values.ts';

export type { Config, DriverInstance, AclDefinition, AclStatement, RetryRule, RewriteRule } from './types.ts';
export type { OptionDef, OptionValue, TypedValue, OptionType } from './option-types.ts';
export { ConfigError } from './errors.ts';
export { DEFAULT_CONFIG_NAME } from './default-configure.ts';

/** System configuration files, first existing wins (Exim's CONFIGURE_FILE list). */
export const SYSTEM_CONFIG_FILES = ['/etc/tern/configure'];

/**
 * The configuration to read: the -C file (which need not exist: reading it
 * then fails as in Exim), else the first system file that exists, else the
 * built-in default (DEFAULT_CONFIG_NAME).
 */
export function findConfigFile(opts: { configFile?: string }): string {
  if (opts.configFile !== undefined) return opts.configFile;
  for (const f of SYSTEM_CONFIG_FILES) if (fs.existsSync(f)) return f;
  return DEFAULT_CONFIG_NAME;
}

/**
 * loadConfig for a command-line mode: the file findConfigFile picks, with the
 * -D macros. A ConfigError goes to `report`, which writes it the way the mode
 * does, and the result is undefined; any other error is thrown.
 */
export function loadConfigOrReport(
  opts: { configFile?: string; macros: Map<string, string> },
  report: (e: ConfigError) => void,
): Config | undefined {
  try {
    return loadConfig(findConfigFile(opts), opts.macros);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(e);
    return undefined;
  }
}

/** Read and check a configuration. `file` may be DEFAULT_CONFIG_NAME for the built-in one. */
export function loadConfig(file: string, macros: Map<string, string> = new Map()): Config {
  let text: string | undefined;
  let cmdline = macros;
  if (file === DEFAULT_CONFIG_NAME) {
    text = DEFAULT_CONFIGURE;
    if (!macros.has('TERN_DATA_DIR')) cmdline = new Map([['TERN_DATA_DIR', dataDir()], ...macros]);
  } else {
    try {
      if (!fs.statSync(file).isFile() && file !== '/dev/null') throw new Error('not a file');
    } catch {
      throw new ConfigError(`could not open configuration file ${file}`);
    }
  }
  const raw = readConfig(file, cmdline, text);
  const defaults = new Map<string, TypedValue>();
  const getOption = (name: string): TypedValue => {
    const set = raw.main.get(name);
    if (set) return set.value;
    const def = mainOptions().get(name);
    if (!def) throw new Error(`unknown main option ${name}`);
    let v = defaults.get(name);
    if (!v) {
      const text = def.default ?? dynamicDefault(name, (n) => displayText(getOption(n)));
      v = text === undefined || text === null ? { kind: 'unset' } : parseOptionValue(def, text);
      defaults.set(name, v);
    }
    return v;
  };
  const { macros: macroTable, ...sections } = raw;
  return {
    ...sections,
    configFile: file,
    macros: macroTable.list,
    getOption,
    whereSet: (name) => raw.main.get(name)?.where,
  };
}

/** A typed value's text (strings as they are, numbers as numbers). */
function displayText(v: TypedValue): string {
  switch (v.kind) {
    case 'unset': return '';
    case 'bool': return v.value ? 'true' : 'false';
    case 'string': case 'ids': return v.value;
    case 'number': return String(v.value);
    case 'times': return v.value.join(':');
  }
}

/** A main option as a string (for ${...} option access and simple callers): '' when unset. */
export function optionString(cfg: Config, name: string): string {
  return displayText(cfg.getOption(name));
}
