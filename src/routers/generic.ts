// The generic router preconditions, in the order of the spec's section
// "Router preconditions": affixes, verify/address_test/verify_only,
// domains, local_parts, check_local_user, router_home_directory, senders,
// require_files, condition. Each passing check may set variables
// ($domain_data, $local_part_data, $home...) that later ones see.

import fs from 'node:fs';
import type { DriverInstance } from '../config/types.ts';
import type { ExpandContext } from '../expand/context.ts';
import { ExpandError, ForcedFail, LookupFailure } from '../expand/errors.ts';
import { matchAddressList, matchDomainList, matchLocalPartList, splitList, type ListMatch } from '../lists/index.ts';
import { listTracer } from '../lists/trace.ts';
import { runSuspendable } from '../util/suspend.ts';
import { lookupGid, lookupUid } from '../config/users.ts';
import { getpwnam } from './passwd.ts';
import { boolOption, expandOption, rawOption, RouterOptionError } from './options.ts';
import type { RoutingAddress, RoutingEnv } from './types.ts';

export type PreconditionResult = { rc: 'run' } | { rc: 'skip'; why: string } | { rc: 'defer'; message: string };

/** Set (or clear) one variable the expander sees. */
export function setVar(ctx: ExpandContext, name: string, value: string | undefined, tainted = false): void {
  if (value === undefined) ctx.vars.delete(name);
  else ctx.vars.set(name, { value, tainted });
}

/** Find a prefix among the list; "*" at the start of an item matches any leading text (longest wins). */
export function matchPrefix(localPart: string, list: string, caseful: boolean): { affix: string; v?: string } | undefined {
  const fold = (s: string): string => (caseful ? s : s.toLowerCase());
  const lp = fold(localPart);
  for (const item of splitList(list)) {
    if (item.startsWith('*')) {
      const fixed = fold(item.slice(1));
      const at = lp.lastIndexOf(fixed, lp.length - fixed.length - 1);
      if (at >= 0 && at + fixed.length < lp.length) return { affix: localPart.slice(0, at + fixed.length), v: localPart.slice(0, at) };
    } else if (lp.startsWith(fold(item)) && lp.length > item.length) return { affix: localPart.slice(0, item.length) };
  }
  return undefined;
}

/** Find a suffix among the list; "*" at the end of an item matches any trailing text (longest wins). */
export function matchSuffix(localPart: string, list: string, caseful: boolean): { affix: string; v?: string } | undefined {
  const fold = (s: string): string => (caseful ? s : s.toLowerCase());
  const lp = fold(localPart);
  for (const item of splitList(list)) {
    if (item.endsWith('*')) {
      const fixed = fold(item.slice(0, -1));
      const at = lp.indexOf(fixed, 1);
      if (at > 0) return { affix: localPart.slice(at), v: localPart.slice(at + fixed.length) };
    } else if (lp.endsWith(fold(item)) && lp.length > item.length) return { affix: localPart.slice(lp.length - item.length) };
  }
  return undefined;
}

/** Put the address's routing variables into the context (before each router is tried). */
export function exposeAddress(env: RoutingEnv, a: RoutingAddress, r: DriverInstance | undefined): void {
  const ctx = env.ctx;
  const caseful = r ? boolOption(r, 'caseful_local_part') : true;
  setVar(ctx, 'local_part', caseful ? a.localPart : a.localPart.toLowerCase(), true);
  setVar(ctx, 'domain', a.domain.toLowerCase(), true);
  setVar(ctx, 'local_part_prefix', a.prefix, true);
  setVar(ctx, 'local_part_suffix', a.suffix, true);
  setVar(ctx, 'local_part_prefix_v', a.prefixV, true);
  setVar(ctx, 'local_part_suffix_v', a.suffixV, true);
  setVar(ctx, 'address_data', a.addressData, true);
  setVar(ctx, 'domain_data', undefined);
  setVar(ctx, 'local_part_data', undefined);
  setVar(ctx, 'home', undefined);
  setVar(ctx, 'local_user_uid', undefined);
  setVar(ctx, 'local_user_gid', undefined);
  setVar(ctx, 'router_name', r?.name);
  let top = a;
  while (top.parent) top = top.parent;
  setVar(ctx, 'original_local_part', top.localPart, true);
  setVar(ctx, 'original_domain', top.domain, true);
  setVar(ctx, 'parent_local_part', a.parent?.localPart, true);
  setVar(ctx, 'parent_domain', a.parent?.domain, true);
}

async function matchList(env: RoutingEnv, r: DriverInstance, option: string, match: (list: string) => ListMatch): Promise<ListMatch | undefined> {
  let list: string | undefined;
  try {
    list = await expandOption(r, option, env.ctx, false);
  } catch (e) {
    if (!(e instanceof ForcedFail)) throw e;
    // a list whose expansion is forced to fail matches nothing (Exim's words)
    env.trace?.(`expansion of "${rawOption(r, option)}" forced failure: assume not in this list`);
    return { result: 'fail' };
  }
  if (list === undefined) return undefined;
  return runSuspendable(env.ctx.memo, () => match(list));
}

/** debug_print: shown (expanded) in traces after the domains, local_parts and check_local_user checks. */
async function debugPrint(env: RoutingEnv, r: DriverInstance): Promise<void> {
  const out = env.trace ?? env.debugPrint;
  if (!out || rawOption(r, 'debug_print') === undefined) return;
  try {
    const text = await expandOption(r, 'debug_print', env.ctx);
    if (text !== undefined) out(text.replace(/\n$/, ''));
  } catch (e) {
    // Exim writes the error and carries on
    out(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Check one router's preconditions for an address. On 'run' the address's
 * affixes are stripped (in `a`) and the variables the checks set are in place.
 */
export async function checkPreconditions(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<PreconditionResult> {
  const ctx = env.ctx;
  const caseful = boolOption(r, 'caseful_local_part');
  a.prefix = a.suffix = a.prefixV = a.suffixV = undefined;
  let lp = a.localPart;
  const prefixes = rawOption(r, 'local_part_prefix');
  if (prefixes !== undefined) {
    const m = matchPrefix(lp, prefixes, caseful);
    if (m) {
      a.prefix = m.affix;
      a.prefixV = m.v;
      lp = lp.slice(m.affix.length);
    } else if (!boolOption(r, 'local_part_prefix_optional')) return { rc: 'skip', why: 'prefix not found' };
  }
  const suffixes = rawOption(r, 'local_part_suffix');
  if (suffixes !== undefined) {
    const m = matchSuffix(lp, suffixes, caseful);
    if (m) {
      a.suffix = m.affix;
      a.suffixV = m.v;
      lp = lp.slice(0, lp.length - m.affix.length);
    } else if (!boolOption(r, 'local_part_suffix_optional')) return { rc: 'skip', why: 'suffix not found' };
  }
  const stripped: RoutingAddress = { ...a, localPart: lp };
  exposeAddress(env, stripped, r);

  // "verify" sets both verify_sender and verify_recipient.
  if (env.verify && r.options.has('verify') && !boolOption(r, 'verify')) return { rc: 'skip', why: 'verify is false' };
  if (env.verify === 'sender' && !boolOption(r, 'verify_sender')) return { rc: 'skip', why: 'verify_sender is false' };
  if (env.verify === 'recipient' && !boolOption(r, 'verify_recipient')) return { rc: 'skip', why: 'verify_recipient is false' };
  if (env.addressTest && !boolOption(r, 'address_test')) return { rc: 'skip', why: 'address_test is false' };
  if (env.expn && !boolOption(r, 'expn')) return { rc: 'skip', why: 'expn is false' };
  if (!env.verify && boolOption(r, 'verify_only')) return { rc: 'skip', why: 'verify_only set' };

  try {
    const domain = a.domain.toLowerCase();
    const dm = await matchList(env, r, 'domains', (list) => matchDomainList(domain, list, ctx, { label: 'domains', cache: env.listCache, wantData: true }));
    if (dm) {
      if (!listTracer(ctx)) env.trace?.(`${domain} in domains? ${dm.result === 'ok' ? 'yes' : dm.result === 'defer' ? 'defer' : 'no'}`);
      if (dm.result === 'defer') return { rc: 'defer', message: dm.message ?? `domains check lookup or other defer` };
      if (dm.result !== 'ok') return { rc: 'skip', why: 'domains mismatch' };
      setVar(ctx, 'domain_data', dm.data ?? domain);
    }
    const subject = caseful ? lp : lp.toLowerCase();
    const lm = await matchList(env, r, 'local_parts', (list) => matchLocalPartList(subject, list, ctx, { caseful, label: 'local_parts', cache: env.listCache, wantData: true }));
    if (lm) {
      if (!listTracer(ctx)) env.trace?.(`${subject} in local_parts? ${lm.result === 'ok' ? 'yes' : lm.result === 'defer' ? 'defer' : 'no'}`);
      if (lm.result === 'defer') return { rc: 'defer', message: lm.message ?? 'local_parts check lookup or other defer' };
      if (lm.result !== 'ok') return { rc: 'skip', why: 'local_parts mismatch' };
      setVar(ctx, 'local_part_data', lm.data ?? subject);
    }
    if (boolOption(r, 'check_local_user')) {
      const pw = getpwnam(subject);
      if (!pw) return { rc: 'skip', why: `${subject} is not a local user` };
      setVar(ctx, 'local_part_data', pw.name);
      setVar(ctx, 'home', pw.home);
      setVar(ctx, 'local_user_uid', String(pw.uid));
      setVar(ctx, 'local_user_gid', String(pw.gid));
    }
    await debugPrint(env, r);
    const home = await expandOption(r, 'router_home_directory', ctx);
    if (home !== undefined) setVar(ctx, 'home', home);

    const sm = await matchList(env, r, 'senders', (list) => matchAddressList(ctx.vars.get('sender_address')?.value ?? '', list, ctx));
    if (sm) {
      if (sm.result === 'defer') return { rc: 'defer', message: sm.message ?? 'senders check lookup or other defer' };
      if (sm.result !== 'ok') return { rc: 'skip', why: 'senders mismatch' };
    }
    const files = await expandOption(r, 'require_files', ctx);
    if (files !== undefined) {
      const rf = checkRequireFiles(files);
      if (rf !== true) return rf;
    }
    let cond: string | undefined;
    try {
      cond = await expandOption(r, 'condition', ctx, false);
    } catch (e) {
      const inner = e instanceof RouterOptionError ? e.cause : undefined;
      if (!(inner instanceof ExpandError)) throw e;
      // a lookup that deferred defers the address; any other failure is logged and counts as false
      if (inner instanceof LookupFailure && inner.deferred) return { rc: 'defer', message: inner.message };
      (env.panicMain ?? env.log)?.(`failed to expand condition "${rawOption(r, 'condition')}" for ${r.name} router: ${inner.message}`);
      return { rc: 'skip', why: 'condition expansion failed' };
    }
    if (cond !== undefined) {
      const c = cond.trim().toLowerCase();
      const ok = /^\d+$/.test(c) ? Number(c) !== 0 : c === 'yes' || c === 'true' ? true : c === '' || c === 'no' || c === 'false' ? false : undefined;
      if (ok === undefined) return { rc: 'defer', message: `"${cond}" is not a valid value for the "condition" option in the ${r.name} router` };
      if (!ok) return { rc: 'skip', why: 'condition failure' };
    }
  } catch (e) {
    if (e instanceof RouterOptionError) return { rc: 'defer', message: e.message };
    // a condition forced to fail is false
    if (e instanceof ForcedFail) return { rc: 'skip', why: 'condition failure' };
    throw e;
  }
  // The address routes from now on with its affixes removed.
  a.localPart = lp;
  return { rc: 'run' };
}

/**
 * require_files: each item a path that must exist; "!" before it: must not.
 * Items with a ",user,group" suffix (access as another user) are checked as we are.
 */
function checkRequireFiles(list: string): true | PreconditionResult {
  for (let item of splitList(list)) {
    if (item === '') continue;
    let negate = false;
    if (item.startsWith('!')) {
      negate = true;
      item = item.slice(1).trim();
    }
    // "user" and "group" items change the identity the check uses; we check as ourselves.
    if (!item.startsWith('/') && !item.startsWith('!')) {
      if (lookupUid(item) !== undefined || lookupGid(item) !== undefined) continue;
      return { rc: 'defer', message: `require_files: "${item}" is not absolute` };
    }
    let exists: boolean;
    try {
      fs.statSync(item);
      exists = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return { rc: 'defer', message: `require_files: error for ${item}: ${(e as Error).message}` };
      exists = false;
    }
    if (exists === negate) return { rc: 'skip', why: `file ${exists ? 'exists' : 'does not exist'}: ${item}` };
  }
  return true;
}
