// Reads a configuration into sections: main options, named lists, ACLs,
// driver instances, retry and rewrite rules. Line handling (macros,
// includes, conditionals, continuations) lives in source.ts; typed values in
// values.ts. Errors carry Exim's wording with file and line.

import type { NamedListKind } from '../expand/context.ts';
import { builtinMacros } from './builtin-macros.ts';
import { ConfigError, ValueError } from './errors.ts';
import { MacroTable } from './macros.ts';
import { findDriverOption, isKnownDriver, mainOptions, type DriverKind } from './options.ts';
import type { OptionDef, OptionValue } from './option-types.ts';
import { parseRetryRule, parseRewriteRule } from './rules.ts';
import { LineSource, type LogicalLine } from './source.ts';
import type { AclDefinition, ConfigSections, DriverInstance } from './types.ts';
import { parseOptionValue, readStringValue } from './values.ts';

/** The sections as read, with the live macro table (loadConfig turns it into Config). */
export interface RawConfig extends ConfigSections {
  macros: MacroTable;
}

type Section = 'main' | 'acl' | DriverKind | 'retry' | 'rewrite' | 'local_scan';

const SECTIONS: Record<string, Section> = {
  acl: 'acl', acls: 'acl', routers: 'routers', transports: 'transports', authenticators: 'authenticators',
  retry: 'retry', rewrite: 'rewrite', local_scan: 'local_scan',
};

const LIST_KINDS: Record<string, [NamedListKind, string]> = {
  domainlist: ['domain', 'domain list'],
  hostlist: ['host', 'host list'],
  addresslist: ['address', 'address list'],
  localpartlist: ['localpart', 'local part list'],
};

const SINGULAR: Record<DriverKind, string> = { routers: 'router', transports: 'transport', authenticators: 'authenticator' };

const ACL_VERBS = new Set(['accept', 'defer', 'deny', 'discard', 'drop', 'require', 'warn']);

/** Read the configuration from `file` (or from `text` when given, reported as `file`). */
export function readConfig(file: string, cmdlineMacros: Map<string, string>, text?: string): RawConfig {
  const macros = new MacroTable(cmdlineMacros, builtinMacros());
  const src = new LineSource(file, macros, text);
  const cfg: RawConfig = {
    main: new Map(), namedLists: new Map(), acls: new Map(),
    routers: [], transports: [], authenticators: [], retry: [], rewrite: [], localScan: [],
    macros, hiddenDriverOptions: new Set(), listing: [`# 1 "${file}"`],
  };
  src.onMarker = (m) => cfg.listing.push(m);
  const list = (line: string) => cfg.listing.push(line);
  let section: Section = 'main';
  let instance: DriverInstance | undefined;
  let acl: AclDefinition | undefined;
  const finishInstance = () => {
    if (instance) finishDriver(cfg, instance);
    instance = undefined;
  };

  for (let ln = src.next(); ln !== null; ln = src.next()) {
    const t = ln.text;
    const err = (msg: string) => new ConfigError(msg, ln.file, ln.line);

    const begin = /^begin\s+(\S+)\s*$/.exec(t);
    if (begin) {
      finishInstance();
      acl = undefined;
      const s = SECTIONS[begin[1]];
      if (!s) throw err(`"${begin[1]}" is not a known configuration section name`);
      section = s;
      list('');
      list(`begin ${begin[1]}`);
      continue;
    }

    // Macro definitions: in the main part and between ACLs and driver instances
    // (an upper-case "NAME:" line there is an instance or ACL name, not a macro).
    const sectionHead = /^[A-Za-z0-9_]+\s*:/.test(t) && section !== 'main';
    if (/^[A-Z]/.test(t) && !sectionHead && section !== 'retry' && section !== 'rewrite' && section !== 'local_scan') {
      defineMacro(macros, t, err);
      list(section === 'main' ? t : `  ${t}`);
      finishInstance(); // a definition ends the instance it follows (as in Exim)
      acl = undefined;
      continue;
    }

    if (section === 'main') list(t);
    else if (sectionHead && (section === 'acl' || section === 'routers' || section === 'transports' || section === 'authenticators')) {
      list('');
      list(`  ${t}`);
    } else list(section === 'retry' || section === 'rewrite' || section === 'local_scan' ? `  ${t}` : `    ${t}`);
    switch (section) {
      case 'main':
        readMainLine(cfg, ln, err);
        break;
      case 'acl': {
        const name = /^([A-Za-z0-9_.-]+)\s*:\s*$/.exec(t);
        if (name) {
          if (cfg.acls.has(name[1])) throw err(`there are two ACLs called "${name[1]}"`);
          acl = { name: name[1], statements: [], file: ln.file, line: ln.line };
          cfg.acls.set(name[1], acl);
          break;
        }
        if (!acl) throw err('missing or malformed ACL name');
        addAclLine(acl, ln);
        break;
      }
      case 'routers':
      case 'transports':
      case 'authenticators': {
        const head = /^([A-Za-z0-9_]+)\s*:(.*)$/.exec(t);
        if (head && !/^\s*=/.test(head[2]) && !t.slice(0, t.indexOf(':')).includes('=')) {
          if (head[2].trim() !== '') throw err(`extra characters follow driver name ${head[1]}`);
          finishInstance();
          instance = { kind: section, name: head[1], driver: '', options: new Map(), file: ln.file, line: ln.line };
          break;
        }
        if (!instance) throw err(`${SINGULAR[section]} name missing`);
        readDriverLine(cfg, instance, ln, err);
        break;
      }
      case 'retry':
        cfg.retry.push(parseRetryRule(ln));
        break;
      case 'rewrite':
        cfg.rewrite.push(parseRewriteRule(ln));
        break;
      case 'local_scan':
        cfg.localScan.push({ text: t, file: ln.file, line: ln.line });
        break;
    }
  }
  finishInstance();
  return cfg;
}

function defineMacro(macros: MacroTable, t: string, err: (m: string) => ConfigError): void {
  const m = /^([A-Za-z0-9_]+)\s*(==?)(.*)$/.exec(t);
  if (!m) throw err('malformed macro definition');
  macros.define(m[1], m[3].trim(), m[2] === '==');
}

/** Split "[hide] name [= value]" into its parts. */
function splitSetting(t: string): { hide: boolean; name: string; hasEq: boolean; value: string; rest: string } | null {
  const m = /^(hide\s+)?([A-Za-z0-9_]+)\s*(.*)$/.exec(t);
  if (!m) return null;
  const rest = m[3];
  const hasEq = rest.startsWith('=');
  return { hide: !!m[1], name: m[2], hasEq, value: hasEq ? rest.slice(1).trim() : '', rest };
}

/** Find an option, allowing the no_/not_ prefixes for booleans. */
function resolveName(
  name: string,
  find: (n: string) => OptionDef | undefined,
  err: (m: string) => ConfigError,
): { def: OptionDef; negated: boolean } | undefined {
  const def = find(name);
  if (def) return { def, negated: false };
  const neg = /^(no|not)_(.*)$/.exec(name);
  if (!neg) return undefined;
  const base = find(neg[2]);
  if (!base) return undefined;
  if (base.type !== 'bool') throw err('negation prefix applied to a non-boolean option');
  return { def: base, negated: true };
}

function makeValue(
  def: OptionDef,
  negated: boolean,
  s: NonNullable<ReturnType<typeof splitSetting>>,
  ln: LogicalLine,
  err: (m: string) => ConfigError,
): OptionValue {
  let raw: string;
  if (def.type === 'bool') {
    if (negated) {
      if (s.hasEq) throw err(`extra characters follow boolean value for ${def.name}`);
      return { def, value: { kind: 'bool', value: false }, raw: 'false', where: { file: ln.file, line: ln.line }, hidden: s.hide };
    }
    if (!s.hasEq && s.rest !== '') throw err(`missing "=" after ${s.name}`);
    raw = s.value;
  } else {
    if (!s.hasEq) throw err(s.rest === '' ? `unexpected end of line (data missing) after ${s.name}` : `missing "=" after ${s.name}`);
    raw = s.value;
  }
  try {
    const value = parseOptionValue(def, raw);
    const text = value.kind === 'string' || value.kind === 'ids' ? value.value : raw;
    return { def, value, raw: text, where: { file: ln.file, line: ln.line }, hidden: s.hide };
  } catch (e) {
    if (e instanceof ValueError) throw err(e.message);
    throw e;
  }
}

function readMainLine(cfg: RawConfig, ln: LogicalLine, err: (m: string) => ConfigError): void {
  const t = ln.text;
  const list = /^(domainlist|hostlist|addresslist|localpartlist)(_cache)?\s+([A-Za-z0-9_]*)\s*(=?)\s*(.*)$/.exec(t);
  if (list) {
    const [kind, label] = LIST_KINDS[list[1]];
    const name = list[3];
    if (name === '' || list[4] !== '=') throw err(`missing or malformed name for named ${label}`);
    if (cfg.namedLists.has(name) && cfg.namedLists.get(name)!.kind === kind) throw err(`duplicate name "${name}" for a named ${label}`);
    let text: string;
    try {
      text = readStringValue(list[5].trim(), name);
    } catch (e) {
      if (e instanceof ValueError) throw err(e.message);
      throw e;
    }
    cfg.namedLists.set(name, { kind, name, text, cacheable: !!list[2] || !text.includes('$') });
    return;
  }
  const s = splitSetting(t);
  if (!s) throw err(`option setting expected: ${t}`);
  const found = resolveName(s.name, (n) => mainOptions().get(n), err);
  if (!found) throw err(`main option "${s.name}" unknown`);
  if (cfg.main.has(found.def.name)) throw err(`"${s.name}" option set for the second time`);
  cfg.main.set(found.def.name, makeValue(found.def, found.negated, s, ln, err));
}

function readDriverLine(cfg: RawConfig, inst: DriverInstance, ln: LogicalLine, err: (m: string) => ConfigError): void {
  const s = splitSetting(ln.text);
  if (!s) throw err(`option setting expected: ${ln.text}`);
  const found = resolveName(s.name, (n) => findDriverOption(inst.kind, inst.driver || undefined, n), err);
  if (!found) {
    if (!inst.driver) {
      // It may be a private option of the driver not named yet.
      throw err(`option "${s.name}" unknown ("driver" must be specified before any private options)`);
    }
    throw err(`option "${s.name}" unknown`);
  }
  if (inst.options.has(found.def.name)) throw err(`"${s.name}" option set for the second time`);
  const v = makeValue(found.def, found.negated, s, ln, err);
  if (found.def.name === 'driver') {
    const d = v.value.kind === 'string' ? v.value.value : '';
    if (!isKnownDriver(inst.kind, d)) {
      throw err(`${SINGULAR[inst.kind]} ${inst.name}: cannot find ${SINGULAR[inst.kind]} driver "${d}"`);
    }
    inst.driver = d;
  }
  if (s.hide) cfg.hiddenDriverOptions.add(`${inst.driver}/${found.def.name}`);
  inst.options.set(found.def.name, v);
}

function finishDriver(cfg: RawConfig, inst: DriverInstance): void {
  const singular = SINGULAR[inst.kind];
  if (!inst.driver) throw new ConfigError(`no driver defined for ${singular} "${inst.name}"`);
  const list = cfg[inst.kind];
  if (list.some((d) => d.name === inst.name)) throw new ConfigError(`there are two ${inst.kind} called "${inst.name}"`);
  list.push(inst);
}

function addAclLine(acl: AclDefinition, ln: LogicalLine): void {
  const m = /^([a-z_]+)(?=\s|$|!)/.exec(ln.text);
  const entry = { text: ln.text, file: ln.file, line: ln.line };
  const verb = m && ACL_VERBS.has(m[1]) ? m[1] : null;
  const last = acl.statements[acl.statements.length - 1];
  if (verb || !last) {
    // A statement starts at a verb; a leading non-verb line is kept as its own statement for the ACL parser to reject.
    acl.statements.push({ verb: verb ?? '', text: verb ? ln.text.slice(verb.length).trim() : ln.text, lines: [entry], file: ln.file, line: ln.line });
  } else {
    last.lines.push(entry);
    last.text = last.text === '' ? ln.text : `${last.text}\n${ln.text}`;
  }
}
