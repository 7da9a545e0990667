// Who is calling: the login, ids, full name and trust of the process that
// submits a local message (spec: trusted_users, trusted_groups, -F, the
// gecos field, unknown_login / unknown_username).

import { getpwuid } from '../util/passwd.ts';
import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import { configExpandContext } from '../config/expand-context.ts';
import { expandString } from '../expand/index.ts';
import { compileRegex } from '../regex/index.ts';

export interface Caller {
  login: string;
  uid: number;
  gid: number;
  trusted: boolean;
  fullName?: string;
}

function passwdEntry(uid: number): { login: string; gid: number; gecos: string } | undefined {
  const e = getpwuid(uid);
  return e && { login: e.name, gid: e.gid, gecos: e.gecos };
}

/** The gecos field as a name: "&" stands for the login with its first letter upper-cased. */
export function gecosName(gecos: string, login: string): string {
  return gecos.replace(/&/g, login.charAt(0).toUpperCase() + login.slice(1));
}

/**
 * gecos_pattern / gecos_name: when both are set and the pattern matches the
 * field ("&" already replaced), the name is gecos_name expanded with the
 * pattern's captures as $1, $2...; otherwise the field itself. A pattern or
 * expansion that fails leaves the field as it is.
 */
export function nameFromGecos(config: Config, gecos: string, login: string): string {
  const field = gecosName(gecos, login);
  const pattern = optionString(config, 'gecos_pattern');
  const name = optionString(config, 'gecos_name');
  if (!pattern || !name) return field;
  try {
    const caps = compileRegex(pattern).exec(field);
    if (!caps) return field;
    return expandString(name, configExpandContext(config, { numericVars: { caps, tainted: false } }));
  } catch {
    return field;
  }
}

function idsOf(config: Config, name: string): number[] {
  const v = config.getOption(name);
  return v.kind === 'ids' && v.ids ? v.ids : [];
}

/** Is uid the Exim user (exim_user as resolved when the configuration was read)? */
export function isEximUser(config: Config, uid: number): boolean {
  return idsOf(config, 'exim_user').includes(uid);
}

/** An admin caller as -bP and -bp see one: root or the Exim user. */
export function isAdminCaller(config: Config): boolean {
  const uid = process.getuid?.() ?? 0;
  return uid === 0 || isEximUser(config, uid);
}

/** The calling user of this process; `fullName` is -F when given. */
export function localCaller(config: Config, fullName?: string): Caller {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const entry = passwdEntry(uid);
  const login = entry?.login ?? (optionString(config, 'unknown_login') || String(uid));
  const name = fullName ?? (entry ? nameFromGecos(config, entry.gecos, login) : optionString(config, 'unknown_username'));
  const groups = new Set([gid, ...(process.getgroups?.() ?? [])]);
  const trusted = uid === 0 || isEximUser(config, uid) || idsOf(config, 'trusted_users').includes(uid)
    || idsOf(config, 'trusted_groups').some((g) => groups.has(g));
  return { login, uid, gid, trusted, fullName: name };
}
