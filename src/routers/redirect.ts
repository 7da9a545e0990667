// The redirect router: a redirection list from `data` or `file`
// (chapter "The redirect router"): addresses, "/file" and "|pipe" items,
// :include:, :fail:, :defer:, :blackhole:, :unknown:, "\name" items, and
// qualification of unqualified addresses. Exim and Sieve filter files are
// run by src/filter (allow_filter).

import { rewriteAddress, type RewriteEnv } from '../rewrite/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { DriverInstance } from '../config/types.ts';
import { extractAddress, findAddressEnd } from '../expand/operators/address.ts';
import { expandStringAsync, ExpandError, ForcedFail } from '../expand/index.ts';
import { LookupFailure } from '../expand/errors.ts';
import { redirectFilter } from '../filter/redirect.ts';
import { boolOption, expandOption, rawOption } from './options.ts';
import type { DriverAnswer, GeneratedItem, RoutingAddress, RoutingEnv } from './types.ts';

const MAX_INCLUDE_DEPTH = 10;

/** A parsed redirection list. */
export type RedirectList =
  | { kind: 'items'; items: GeneratedItem[]; blackhole: boolean }
  | { kind: 'fail'; message: string }
  | { kind: 'defer'; message: string }
  | { kind: 'error'; message: string };

export interface ParseOptions {
  /** Qualify an unqualified address ("\name" items are always qualified the same way). */
  qualify: (localPart: string) => string;
  readInclude?: (file: string) => string;
  forbidInclude?: boolean;
  depth?: number;
  /** skip_syntax_errors: a malformed address is reported here and skipped instead of failing the list. */
  skipError?: (message: string) => void;
}

/** Parse redirection data as Exim's parse_forward_list does (items end at commas or newlines). */
export function parseRedirectList(data: string, opts: ParseOptions): RedirectList {
  const items: GeneratedItem[] = [];
  let blackhole = false;
  let pos = 0;
  const n = data.length;
  while (pos < n) {
    while (pos < n && (/\s/.test(data[pos]) || data[pos] === ',')) pos++;
    if (pos >= n) break;
    if (data[pos] === '#' && (pos === 0 || data[pos - 1] === '\n')) {
      while (pos < n && data[pos] !== '\n') pos++;
      continue;
    }
    const special = /^:(fail|defer|blackhole|unknown|include):/i.exec(data.slice(pos, pos + 12));
    if (special) {
      const what = special[1].toLowerCase();
      pos += special[0].length;
      if (what === 'fail' || what === 'defer') {
        const nl = data.indexOf('\n', pos);
        const text = data.slice(pos, nl < 0 ? n : nl).trim();
        return what === 'fail' ? { kind: 'fail', message: text } : { kind: 'defer', message: text };
      }
      if (what === 'blackhole') {
        blackhole = true;
        continue;
      }
      if (what === 'unknown') continue;
      // :include:path
      let end = pos;
      while (end < n && data[end] !== ',' && data[end] !== '\n') end++;
      const file = data.slice(pos, end).trim();
      pos = end;
      if (opts.forbidInclude) return { kind: 'error', message: ':include: is forbidden' };
      if (!file.startsWith('/')) return { kind: 'error', message: `included file name "${file}" is not absolute` };
      if ((opts.depth ?? 0) >= MAX_INCLUDE_DEPTH) return { kind: 'error', message: `too many nested :include: files` };
      let text: string;
      try {
        text = (opts.readInclude ?? ((f: string) => fs.readFileSync(f, 'utf8')))(file);
      } catch (e) {
        return { kind: 'error', message: `failed to open included file ${file}: ${(e as Error).message}` };
      }
      const inner = parseRedirectList(text, { ...opts, depth: (opts.depth ?? 0) + 1 });
      if (inner.kind !== 'items') return inner;
      items.push(...inner.items);
      blackhole ||= inner.blackhole;
      continue;
    }
    // One item: a quoted item may hold commas; otherwise it ends at a comma or newline outside <> / quotes.
    let end: number;
    let text: string;
    if (data[pos] === '"' && (data[pos + 1] === '|' || data[pos + 1] === '/')) {
      end = pos + 1;
      while (end < n && data[end] !== '"') end += data[end] === '\\' ? 2 : 1;
      text = data.slice(pos + 1, end).replace(/\\(.)/g, '$1');
      end++;
    } else if (data[pos] === '|') {
      end = pos;
      while (end < n && data[end] !== ',' && data[end] !== '\n') end++;
      text = data.slice(pos, end).trim();
    } else {
      end = findAddressEnd(data, pos, true);
      text = data.slice(pos, end).trim();
    }
    pos = end;
    if (text === '') continue;
    if (text.startsWith('|')) {
      items.push({ kind: 'pipe', command: text });
      continue;
    }
    let noRedirect = false;
    if (text.startsWith('\\')) {
      noRedirect = true;
      text = text.slice(1);
    }
    const parsed = extractAddress(text);
    if (text.startsWith('/') && ('error' in parsed || parsed.domainStart === 0)) {
      items.push({ kind: 'file', path: text });
      continue;
    }
    if ('error' in parsed) {
      if (!opts.skipError) return { kind: 'error', message: `${parsed.error} in "${text}"` };
      opts.skipError(`${parsed.error} in "${text}"`);
      continue;
    }
    const address = parsed.domainStart === 0 ? opts.qualify(parsed.address) : parsed.address;
    items.push({ kind: 'address', address, noRedirect });
  }
  return { kind: 'items', items, blackhole };
}

/** Split an address at its last "@". */
export function splitAddress(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  return at < 0 ? { localPart: address, domain: '' } : { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

async function readData(env: RoutingEnv, r: DriverInstance): Promise<string | undefined | { defer: string; logMessage?: string }> {
  const raw = rawOption(r, 'data');
  if (raw !== undefined) {
    try {
      return await expandStringAsync(raw, env.ctx);
    } catch (e) {
      if (e instanceof ForcedFail) return undefined;
      if (!(e instanceof ExpandError)) throw e;
      // Exim's words; a failed lookup is logged by its own message only
      return { defer: `failed to expand "${raw}": ${e.message}`, logMessage: e instanceof LookupFailure ? e.message : undefined };
    }
  }
  const file = await expandOption(r, 'file', env.ctx);
  if (file === undefined) return undefined;
  if (!file.startsWith('/')) return { defer: `${r.name} router: file "${file}" is not an absolute path` };
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!boolOption(r, 'ignore_enotdir') && !fs.existsSync(path.dirname(file))) return { defer: `${r.name} router: directory of ${file} does not exist` };
      return undefined;
    }
    if (code === 'ENOTDIR' && boolOption(r, 'ignore_enotdir')) return undefined;
    if (code === 'EACCES' && boolOption(r, 'ignore_eacces')) return undefined;
    return { defer: `${r.name} router: failed to open ${file}: ${(e as Error).message}` };
  }
}

export async function redirectRouter(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<DriverAnswer> {
  const data = await readData(env, r);
  if (data === undefined) return { rc: 'decline' };
  if (typeof data !== 'string') return { rc: 'defer', message: data.defer, logMessage: 'logMessage' in data ? data.logMessage : undefined };
  let qualifyDomain: string;
  if (boolOption(r, 'qualify_preserve_domain')) qualifyDomain = a.domain;
  else {
    const q = await expandOption(r, 'qualify_domain', env.ctx);
    qualifyDomain = q ?? env.ctx.vars.get('qualify_recipient')?.value ?? env.ctx.options?.get('qualify_recipient')
      ?? env.ctx.options?.get('qualify_domain') ?? env.ctx.options?.get('primary_hostname') ?? '';
  }
  const filtered = await redirectFilter({ env, router: r, address: a, text: data, qualify: (lp) => `${lp}@${qualifyDomain}` });
  if (filtered) return filtered.rc === 'redirect' ? { ...filtered, children: checkAncestors(r, a, rewriteChildren(env, r, filtered.children)) } : filtered;
  const list = parseRedirectList(data, {
    qualify: (lp) => `${lp}@${qualifyDomain}`,
    forbidInclude: boolOption(r, 'forbid_include'),
    skipError: boolOption(r, 'skip_syntax_errors') ? (message) => env.log?.(`${r.name} router: skipped error: ${message}`) : undefined,
  });
  if (list.kind === 'error') return { rc: 'defer', message: `error in redirect data: ${list.message}` };
  if (list.kind === 'fail') {
    if (!boolOption(r, 'allow_fail')) return { rc: 'defer', message: `error in redirect data: ":fail: ${list.message}" is not permitted` };
    return { rc: 'fail', message: list.message };
  }
  if (list.kind === 'defer') {
    if (!boolOption(r, 'allow_defer')) return { rc: 'defer', message: `error in redirect data: ":defer: ${list.message}" is not permitted` };
    return { rc: 'defer', message: list.message, userMessage: true };
  }
  if (list.blackhole) {
    if (boolOption(r, 'forbid_blackhole')) return { rc: 'defer', message: `${r.name} router: :blackhole: is forbidden` };
    return { rc: 'discard' };
  }
  if (list.items.length === 0) return { rc: 'decline' };
  const out: GeneratedItem[] = [];
  for (const item of list.items) {
    if (item.kind === 'file') {
      if (boolOption(r, 'forbid_file')) {
        out.push({ ...item, forbidden: true });
        continue;
      }
      const opt = item.path.endsWith('/') && rawOption(r, 'directory_transport') !== undefined ? 'directory_transport' : 'file_transport';
      out.push({ ...item, transport: await expandOption(r, opt, env.ctx) });
    } else if (item.kind === 'pipe') {
      if (boolOption(r, 'forbid_pipe')) {
        out.push({ ...item, forbidden: true });
        continue;
      }
      out.push({ ...item, transport: await expandOption(r, 'pipe_transport', env.ctx) });
    } else out.push(item);
  }
  return { rc: 'redirect', children: checkAncestors(r, a, rewriteChildren(env, r, out)) };
}

/**
 * Generated addresses go through the rewrite rules as envelope recipients
 * at once, unless the router has no_rewrite (spec "When does rewriting happen?").
 */
function rewriteChildren(env: RoutingEnv, r: DriverInstance, items: GeneratedItem[]): GeneratedItem[] {
  const rules = env.config.rewrite;
  if (rules.length === 0 || !boolOption(r, 'rewrite')) return items;
  const rewriteEnv: RewriteEnv = {
    ctx: env.ctx,
    qualifyRecipient: env.ctx.options?.get('qualify_recipient') || env.ctx.options?.get('qualify_domain') || env.ctx.options?.get('primary_hostname') || '',
    log: (line) => (env.panic ?? env.log)?.(line),
  };
  return items.map((item) => (item.kind === 'address' ? { ...item, address: rewriteAddress(item.address, 'T', rules, rewriteEnv).address } : item));
}

/**
 * check_ancestor: a generated address that is one of the current address's
 * ancestors (domain included) is replaced by a copy of the current address,
 * so that A aliased to B, with B's .forward pointing back to A, ends at B.
 */
function checkAncestors(r: DriverInstance, a: RoutingAddress, items: GeneratedItem[]): GeneratedItem[] {
  if (!boolOption(r, 'check_ancestor')) return items;
  const ancestors = new Set<string>();
  for (let p = a.parent; p; p = p.parent) ancestors.add(p.address.toLowerCase());
  return items.map((item) => (item.kind === 'address' && ancestors.has(item.address.toLowerCase()) ? { ...item, address: a.address } : item));
}
