// -bV: print version information in Exim's layout, then read and check the
// configuration. A bad configuration prints Exim's error on stderr and exits 1
// (the version lines are already out, as with Exim). Options the
// configuration sets that tern does not act on yet are named in one warning
// line on stderr; they do not fail the check.
//
// Kept lean: run per message by other programs, it loads only the
// configuration reader (plus the lookup registry and expander when present).

import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../util/paths.ts';
import type { CliOptions } from './args.ts';
import { findConfigFile, loadConfig, ConfigError, type Config } from '../config/index.ts';
import { DRIVER_NAMES } from '../config/options-table.ts';
import { EXIM_COMPAT_VERSION, TERN_VERSION } from '../config/defaults.ts';
import { SUPPORT_FOR } from '../config/builtin-macros.ts';
import { isImplemented } from '../config/implemented.ts';
import { checkConfig } from './check-config.ts';
import { formatLogTime } from './log-time.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** When this tern was "built": the package manifest's modification time. */
function builtStamp(): string {
  let d = new Date();
  try {
    d = fs.statSync(path.join(repoRoot, 'package.json')).mtime;
  } catch {}
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}-${MONTHS[d.getMonth()]}-${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function lookupList(): Promise<string[]> {
  await import('../lookups/index.ts'); // fills the registry
  const reg = await import('../lookups/registry.ts');
  return reg.lookupNames();
}

export function versionLines(lookups: string[]): string[] {
  return [
    `tern version ${TERN_VERSION} (Exim ${EXIM_COMPAT_VERSION} compatible) #1 built ${builtStamp()}`,
    'tern is written afresh in TypeScript; it follows the Exim specification (Exim is',
    'Copyright (c) University of Cambridge, 1995 - 2018; (c) The Exim Maintainers and contributors)',
    `Support for: ${SUPPORT_FOR.join(' ')}`,
    `Lookups (built-in): ${lookups.join(' ')}`,
    `Authenticators: ${DRIVER_NAMES.authenticators.join(' ')}`,
    `Routers: ${DRIVER_NAMES.routers.join(' ')}`,
    `Transports: ${DRIVER_NAMES.transports.map((t) => (t === 'appendfile' ? 'appendfile/maildir' : t)).join(' ')}`,
    // the av_scanner types of src/scan (malware-condition.ts)
    'Malware: clamd sock cmdline',
    'Fixed never_users: 0',
    'Configure owner: 0:0',
    'Size of off_t: 8',
  ];
}

/** Options set in the configuration that tern does not act on yet: "name" for main, "driver.name" for driver options. */
export function unimplementedSettings(cfg: Config): string[] {
  const out = new Set<string>();
  for (const name of cfg.main.keys()) if (!isImplemented('main', name)) out.add(name);
  for (const kind of ['routers', 'transports', 'authenticators'] as const) {
    for (const inst of cfg[kind]) {
      for (const [name, v] of inst.options) {
        if (!isImplemented(v.def.scope, name) && !isImplemented(kind, name)) out.add(`${inst.driver}.${name}`);
      }
    }
  }
  return [...out];
}

export async function main(opts: CliOptions): Promise<number> {
  process.stdout.write(versionLines(await lookupList()).join('\n') + '\n');
  const file = findConfigFile(opts);
  let cfg: Config;
  try {
    cfg = loadConfig(file, opts.macros);
    await checkConfig(cfg);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${formatLogTime(new Date())} ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  process.stdout.write(`Configuration file is ${cfg.configFile}\n`);
  const pending = unimplementedSettings(cfg);
  if (pending.length > 0) {
    process.stderr.write(`tern: warning: configuration sets options tern does not implement yet (they have no effect): ${pending.join(' ')}\n`);
  }
  return 0;
}
