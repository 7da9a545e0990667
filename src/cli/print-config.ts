// -bP: print configuration settings as Exim does.
//
//   -bP                      every main option (also -bP all)
//   -bP name ...             those main options
//   -bP router|transport|authenticator NAME     one driver instance's options
//   -bP routers|transports|authenticators       every instance, each headed "NAME kind:"
//   -bP router_list|transport_list|authenticator_list
//   -bP config               the configuration after macro substitution
//   -bP config_file          the file in use
//   -bP macros / macro NAME  macro table (NAME=value)
//   -bP +listname            a named list
//
// Values set with `hide` print as "<value not displayable>" unless the caller
// is an admin (root or the Exim user), as Exim does.

import type { CliOptions } from './args.ts';
import { loadConfigOrReport, type Config, type DriverInstance } from '../config/index.ts';
import { formatOption } from '../config/format.ts';
import { mainOptions, optionsOf } from '../config/options.ts';
import type { OptionDef, TypedValue } from '../config/option-types.ts';
import { parseOptionValue } from '../config/values.ts';
import { TERN_VERSION } from '../config/defaults.ts';
import { isAdminCaller } from '../receive/caller.ts';

const SINGULAR = { routers: 'router', transports: 'transport', authenticators: 'authenticator' } as const;
const KIND_OF: Record<string, keyof typeof SINGULAR> = { router: 'routers', transport: 'transports', authenticator: 'authenticators' };
const LIST_WORD = { domain: 'domainlist', host: 'hostlist', address: 'addresslist', localpart: 'localpartlist' } as const;

export interface PrintResult {
  out: string[];
  status: number;
}

function optionLine(cfg: Config, name: string, admin: boolean): string | undefined {
  const def = mainOptions().get(name);
  if (!def) return undefined;
  const set = cfg.main.get(name);
  return formatOption(def, cfg.getOption(name), !!set?.hidden && !admin);
}

function driverDefault(def: OptionDef): TypedValue {
  if (def.default === null) return { kind: 'unset' };
  try {
    return parseOptionValue(def, def.default);
  } catch {
    return { kind: 'string', value: def.default };
  }
}

/** An instance's options: the generic table of its kind, then the driver's own, each in table order. */
export function driverLines(cfg: Config, inst: DriverInstance, admin: boolean): string[] {
  const out: string[] = [];
  const generic = optionsOf(inst.kind);
  const own = optionsOf(inst.driver);
  const tables = [[...generic.values()].filter((d) => !own.has(d.name)), [...own.values()]];
  for (const defs of tables) {
    for (const def of defs) {
      const set = inst.options.get(def.name);
      if (def.hidden && !set) continue;
      const hide = !admin && (set?.hidden || cfg.hiddenDriverOptions.has(`${inst.driver}/${def.name}`));
      out.push(formatOption(def, set ? set.value : driverDefault(def), hide));
    }
  }
  return out;
}

export function printConfig(cfg: Config, args: string[], admin: boolean): PrintResult {
  const out: string[] = [];
  let status = 0;
  const fail = (line: string) => {
    out.push(line);
    status = 1;
  };
  const all = () => {
    for (const def of mainOptions().values()) if (!def.hidden) out.push(optionLine(cfg, def.name, admin)!);
  };
  if (args.length === 0) all();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === 'all') all();
    else if (a === 'config_file' || a === 'configure_file') out.push(cfg.configFile);
    else if (a === 'config') {
      out.push(`# Exim Configuration (tern ${TERN_VERSION})`);
      out.push(...cfg.listing);
    } else if (a === 'macros') {
      const mine = cfg.macros.filter((m) => m.origin !== 'builtin');
      const builtin = cfg.macros.filter((m) => m.origin === 'builtin').reverse();
      for (const m of [...mine, ...builtin]) out.push(`${m.name}=${m.value}`);
    } else if (a === 'macro') {
      const name = args[++i] ?? '';
      const m = cfg.macros.find((x) => x.name === name);
      if (m) out.push(`${m.name}=${m.value}`);
      else fail(`macro ${name} not found`);
    } else if (a.startsWith('+')) {
      const l = cfg.namedLists.get(a.slice(1));
      if (l) out.push(`${LIST_WORD[l.kind]} ${l.name} = ${l.text}`);
      else fail(`no address, domain, host, or local part list called "${a.slice(1)}" exists`);
    } else if (a === 'router_list' || a === 'transport_list' || a === 'authenticator_list') {
      for (const inst of cfg[KIND_OF[a.slice(0, -5)]]) out.push(inst.name);
    } else if (KIND_OF[a]) {
      const name = args[++i] ?? '';
      const inst = cfg[KIND_OF[a]].find((d) => d.name === name);
      if (inst) out.push(...driverLines(cfg, inst, admin));
      else fail(`${a} ${name} not found`);
    } else if (a === 'routers' || a === 'transports' || a === 'authenticators') {
      for (const inst of cfg[a]) {
        out.push('', `${inst.name} ${SINGULAR[a]}:`, ...driverLines(cfg, inst, admin));
      }
    } else if (a === 'local_scan') out.push('local_scan() options are not supported');
    else {
      const line = optionLine(cfg, a, admin);
      if (line !== undefined) out.push(line);
      else fail(`${a} is not a known option`);
    }
  }
  return { out, status };
}

export async function main(opts: CliOptions): Promise<number> {
  const cfg = loadConfigOrReport(opts, (e) => {
    process.stderr.write(`LOG: PANIC DIE\n  ${e.message.replace(/\n {2}/, '\n  ')}\n`);
  });
  if (!cfg) return 1;
  const r = printConfig(cfg, opts.args, isAdminCaller(cfg));
  if (r.out.length > 0) process.stdout.write(r.out.join('\n') + '\n');
  return r.status;
}
