// Generates src/config/options-table.ts: every runtime option Exim knows,
// with its type, default and scope. Run it when the reference documents change:
//
//   node src/config/gen-options.ts > src/config/options-table.ts
//
// Sources, in order of authority:
//  1. The spec's `.option` / `.options` lines (reference/spec.xfpt, Exim 4.99):
//     name, scope, type (with `&!!` = expanded) and default.
//  2. reference/OptionLists.txt, for the few options the spec does not list
//     but Exim accepts (OptionLists also carries stale names Exim rejects, so
//     only the rows named in FROM_OPTION_LISTS are taken).
//  3. Facts observed on Exim 4.98's own option tables with `exim4 -bP` (the
//     dumps under test/fixtures/config/exim-bP/): defaults the spec describes
//     in prose, which integer options print with K/M, which options are
//     accepted but hidden from a full -bP listing.
// Everything tern decides for itself (paths, users, host name) is marked as a
// dynamic default and computed by src/config/defaults.ts at load time.

import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const refDir = process.env.TERN_REFERENCE ?? '/work/shared/reference';
const dumpDir = path.join(root, 'test/fixtures/config/exim-bP');

interface Row {
  name: string;
  scope: string;
  type: string;
  expanded: boolean;
  dflt: string | null;
  hidden: boolean;
}

const rows = new Map<string, Row>(); // key scope/name

// ---- 1. the spec -----------------------------------------------------------

/** Split an xfpt argument line into words, honouring "double quotes". */
function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1] : m[2]);
  return out;
}

const CHAPTER_SCOPE: Record<string, string> = {
  'The dnslookup router': 'dnslookup',
};

function readSpec(): void {
  const lines = fs.readFileSync(path.join(refDir, 'spec.xfpt'), 'utf8').split('\n');
  let chapterScope = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const ch = /^\.chapter "([^"]*)"/.exec(line);
    if (ch) chapterScope = CHAPTER_SCOPE[ch[1]] ?? '';
    if (!line.startsWith('.option ') && !line.startsWith('.options ')) continue;
    let body = line.slice(line.indexOf(' ') + 1);
    for (;;) {
      const cont = body.trimEnd().endsWith('&&&');
      addSpecRow(splitWords(body.replace('&&&', '')), chapterScope);
      if (!cont) break;
      body = lines[++i].trim();
    }
  }
}

function addSpecRow(w: string[], chapterScope: string): void {
  const name = w[0];
  let [, scope, type, ...rest] = w;
  // A few rows forgot the scope: `.option ipv4_only "string&!!" unset`.
  if (/string|boolean|integer|list/.test(scope)) {
    rest = [type, ...rest];
    type = scope;
    scope = chapterScope;
  }
  // A few rows forgot the quotes round a two-word type: `host list&!!`.
  if (rest[0]?.startsWith('list')) type = `${type} ${rest.shift()}`;
  // `appendfile&!!` (maildir_use_size_file): the marker landed on the scope.
  const expanded = type.includes('&!!') || scope.endsWith('&!!');
  scope = scope.replace(/&!\?$/, '').replace(/&!!$/, '');
  type = type.replace('&!!', '').replace(/, comma separated$/, '');
  const dfltText = (rest[0] ?? 'unset').replace(/&`([^`]*)`&/g, '$1');
  for (const sc of scope.split(',')) {
    add({ name, scope: sc, type: mapType(name, sc, type, expanded), expanded, dflt: specDefault(dfltText), hidden: false });
  }
}

const PROSE = /see |See |compile|current version|per RFC|primary host name|Exim (user|group)|public_name/;
/** Marks a default the spec gives in prose; filled from Exim's dumps. */
const PROSE_DEFAULT = '\u0000prose';

function specDefault(text: string): string | null {
  if (text === 'unset' || text === 'unset.') return null;
  if (text === 'empty') return '';
  if (PROSE.test(text)) return PROSE_DEFAULT;
  return text;
}

// ---- types -----------------------------------------------------------------

/** Options whose value names a user or group (resolved at load time unless expanded). */
const ID_TYPES: Record<string, string> = {
  'main/exim_user': 'uid', 'main/exim_group': 'gid',
  'main/system_filter_user': 'uid', 'main/system_filter_group': 'gid',
  'main/never_users': 'uidlist', 'main/trusted_users': 'uidlist',
  'main/admin_groups': 'gidlist', 'main/trusted_groups': 'gidlist',
  'routers/user': 'uid', 'routers/group': 'gid',
  'transports/user': 'uid', 'transports/group': 'gid',
  'queryprogram/command_user': 'uid', 'queryprogram/command_group': 'gid',
  'redirect/owners': 'uidlist', 'redirect/owngroups': 'gidlist',
};

/** Integers that Exim prints with K/M/G (observed: 3145728 prints as 3M). */
const MKINT = new Set(['main/bounce_return_linesize_limit', 'main/bounce_return_size_limit', 'main/message_body_visible', 'main/return_size_limit', 'pipe/max_output']);
/** Integers kept in kilobytes (a bare number means K; 3145728 prints as 3G). */
const KINT = new Set(['main/check_log_space', 'main/check_spool_space']);

function mapType(name: string, scope: string, t: string, expanded: boolean): string {
  const key = `${scope}/${name}`;
  if (ID_TYPES[key]) return ID_TYPES[key];
  if (key === 'transports/headers_rewrite') return 'rewrite';
  switch (t) {
    case 'boolean': case 'bool': return 'bool';
    case 'integer': return MKINT.has(key) ? 'mkint' : KINT.has(key) ? 'kint' : 'int';
    case 'octal integer': return 'octal';
    case 'fixed-point': return 'fixed';
    case 'time': return 'time';
    case 'time list': return 'timelist';
    case 'string': return 'string';
    case 'string list': case 'list': return 'stringlist';
    case 'host list': return 'hostlist';
    case 'domain list': return 'domainlist';
    case 'address list': return 'addresslist';
    case 'local part list': return 'localpartlist';
    case 'integer list': return 'intlist';
    default:
      throw new Error(`unknown option type "${t}" for ${key}${expanded ? ' (expanded)' : ''}`);
  }
}

function add(r: Row): void {
  rows.set(`${r.scope}/${r.name}`, r);
}

// ---- 2. OptionLists.txt ----------------------------------------------------

/** Options Exim 4.98 accepts that the spec does not document with `.option`. */
const FROM_OPTION_LISTS = new Set(['sqlite_dbfile', 'sieve_enotify_mailto_owner']);

function readOptionLists(): void {
  const text = fs.readFileSync(path.join(refDir, 'OptionLists.txt'), 'utf8');
  const body = text.slice(text.indexOf('-----\naccept_8bitmime'), text.indexOf('2. COMMAND LINE OPTIONS'));
  for (const line of body.split('\n')) {
    const m = /^([a-z][a-z0-9_]+)\s+(string\*?|boolean|integer)\s+(\S+)\s+(\S+)/.exec(line);
    if (!m || !FROM_OPTION_LISTS.has(m[1])) continue;
    const expanded = m[2].endsWith('*');
    const t = m[2].replace('*', '');
    const d = m[3] === 'unset' ? null : m[3].replace(/^"(.*)"$/, '$1');
    add({ name: m[1], scope: m[4], type: mapType(m[1], m[4], t, expanded), expanded, dflt: d, hidden: false });
  }
}

/** Accepted by Exim 4.98 (observed), documented nowhere in the reference. */
const EXTRA: Row[] = [
  { name: 'drop_cr', scope: 'main', type: 'bool', expanded: false, dflt: 'false', hidden: false }, // a no-op since 4.21
  { name: 'local_scan_path', scope: 'main', type: 'string', expanded: false, dflt: null, hidden: false },
  { name: 'server_param', scope: 'tls', type: 'string', expanded: true, dflt: null, hidden: false }, // alias of server_param1
  // Exim builds with Redis support have it (the spec documents it without an .option line); Debian's has not, so hidden from -bP.
  { name: 'redis_servers', scope: 'main', type: 'stringlist', expanded: false, dflt: null, hidden: true },
  // XCLIENT (experimental-spec.txt); Debian's 4.98 is built without it, so -bP does not list it
  { name: 'hosts_xclient', scope: 'main', type: 'hostlist', expanded: true, dflt: null, hidden: true },
];

// ---- 3. Exim's own -bP dumps -----------------------------------------------

/** name -> displayed value ('true'/'false' for booleans), for one dump file. */
function readDump(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const p = path.join(dumpDir, file);
  if (!fs.existsSync(p)) return out;
  for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
    if (line === '') continue;
    const eq = / = ?/.exec(line);
    if (eq && /^\w+$/.test(line.slice(0, eq.index))) out.set(line.slice(0, eq.index), line.slice(eq.index + eq[0].length));
    else if (line.endsWith(' =')) out.set(line.slice(0, -2), '');
    else if (line.startsWith('no_')) out.set(line.slice(3), 'false');
    else out.set(line, 'true');
  }
  return out;
}

/** Defaults tern computes itself at load time (host name, users, paths). */
const DYNAMIC = new Set([
  // Derived per instance from the driver and its transport when routing (spec: "see below").
  'routers/log_as_local', 'routers/retry_use_local_part', 'transports/retry_use_local_part',
  'main/primary_hostname', 'main/qualify_domain', 'main/qualify_recipient', 'main/exim_user', 'main/exim_group',
  'main/exim_path', 'main/spool_directory', 'main/log_file_path', 'main/pid_file_path', 'main/exim_version',
  'main/process_log_path', 'main/smtp_active_hostname',
]);

const DRIVERS: Record<string, string[]> = {
  routers: ['accept', 'dnslookup', 'ipliteral', 'iplookup', 'manualroute', 'queryprogram', 'redirect'],
  transports: ['appendfile', 'autoreply', 'lmtp', 'pipe', 'smtp'],
  authenticators: ['cram_md5', 'cyrus_sasl', 'dovecot', 'external', 'plaintext', 'spa', 'tls', 'gsasl', 'heimdal_gssapi'],
};
const DUMP_PREFIX: Record<string, string> = { routers: 'router', transports: 'transport', authenticators: 'auth' };

function applyDumps(): void {
  const dumps = new Map<string, Map<string, string>>(); // scope -> dump
  dumps.set('main', readDump('main-devnull.txt'));
  for (const [kind, names] of Object.entries(DRIVERS)) {
    for (const d of names) {
      const dump = readDump(`${DUMP_PREFIX[kind]}-${d}.txt`);
      if (dump.size === 0) continue;
      dumps.set(d, dump);
      if (!dumps.has(kind)) dumps.set(kind, dump); // generic options appear in every instance's dump
    }
  }
  for (const r of rows.values()) {
    const dump = dumps.get(r.scope);
    if (r.dflt === PROSE_DEFAULT) {
      r.dflt = dump?.get(r.name) ?? null;
    }
    // The spec writes some list defaults with spaces round the colons; keep Exim's own spelling.
    const seen = dump?.get(r.name);
    if (seen !== undefined && r.dflt !== null && seen !== r.dflt && seen.replace(/\s*:\s*/g, ':') === r.dflt.replace(/\s*:\s*/g, ':')) r.dflt = seen;
    // Expanded strings the spec shows as "0" are unset in Exim (an unset value counts as 0 when used).
    if (r.expanded && r.type === 'string' && r.dflt === '0' && dump?.get(r.name) === '') r.dflt = null;
    // Exim knows the option but leaves it out of a full listing: an alias or a
    // feature this Exim lacks. Options new in 4.99 are not in a 4.98 dump; list them.
    if (dump && !dump.has(r.name) && EXIM_498_HIDDEN.has(`${r.scope}/${r.name}`)) r.hidden = true;
    if (DYNAMIC.has(`${r.scope}/${r.name}`)) r.dflt = null;
  }
}

/** Accepted by Exim 4.98 but never printed by a full -bP listing (checked by hand). */
const EXIM_498_HIDDEN = new Set([
  'routers/verify', 'routers/fail_verify', 'main/return_size_limit', 'tls/server_param',
  'main/drop_cr', 'routers/translate_ip_address',
]);

// ---- output ----------------------------------------------------------------

function main(): void {
  readSpec();
  readOptionLists();
  for (const r of EXTRA) add(r);
  applyDumps();
  const byScope = new Map<string, Row[]>();
  for (const r of rows.values()) {
    if (!byScope.has(r.scope)) byScope.set(r.scope, []);
    byScope.get(r.scope)!.push(r);
  }
  const scopeOrder = ['main', 'routers', 'transports', 'authenticators', ...Object.values(DRIVERS).flat()];
  for (const s of byScope.keys()) if (!scopeOrder.includes(s)) throw new Error(`unexpected scope ${s}`);
  const out: string[] = [];
  out.push('// GENERATED by src/config/gen-options.ts from reference/spec.xfpt, reference/OptionLists.txt');
  out.push('// and observations of Exim 4.98 (test/fixtures/config/exim-bP). Do not edit by hand.');
  out.push('//');
  out.push('// Row: [name, type, default, flags]. A type ending in "*" is expanded at use.');
  out.push('// default: the value in configuration syntax, or null for unset. flags: "h" = accepted but');
  out.push('// left out of a full -bP listing.');
  out.push('');
  out.push("import type { OptionRow } from './option-types.ts';");
  out.push('');
  out.push('export const OPTION_TABLE: Record<string, readonly OptionRow[]> = {');
  for (const s of scopeOrder) {
    const list = byScope.get(s);
    if (!list) continue;
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.push(`  ${s}: [`);
    for (const r of list) {
      const t = r.type + (r.expanded ? '*' : '');
      const row: unknown[] = [r.name, t, r.dflt];
      if (r.hidden) row.push('h');
      out.push(`    ${JSON.stringify(row)},`);
    }
    out.push('  ],');
  }
  out.push('};');
  out.push('');
  out.push('/** Driver names by kind, as Exim names them in `driver = ...`. */');
  out.push(`export const DRIVER_NAMES: Record<'routers' | 'transports' | 'authenticators', readonly string[]> = ${JSON.stringify(DRIVERS)};`);
  process.stdout.write(out.join('\n') + '\n');
}

main();
