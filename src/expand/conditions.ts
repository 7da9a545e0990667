// The conditions of ${if ...} (and of forall/forany, filter, sort). Each
// returns a boolean; match-like conditions set $0..$9 or $value in the state,
// which ${if} restores afterwards.

import fs from 'node:fs';
import type { ArgsCond, Cond, NestedArgsCond } from './ast.ts';
import { ExpandError, ForcedFail } from './errors.ts';
import { evalArg, evalSeq, skipCond, variableValue, type EvalState } from './evaluate.ts';
import { headerExists } from './headers.ts';
import { splitList } from './list.ts';
import { compileRegex, RegexError } from '../regex/index.ts';
import { crypteq } from './crypt/index.ts';
import { matchAddressList, matchDomainList, matchIpList, matchLocalPartList } from '../lists/index.ts';
import { srsInbound } from './srs.ts';
import { jsonArrayElements, jsonUnquote } from './json.ts';
import { aclFailureText, runAclHook } from './acl-call.ts';

export function evalCond(c: Cond, st: EvalState): boolean {
  switch (c.c) {
    case '!': return !evalCond(c.sub, st);
    case 'error': throw new ExpandError(c.msg);
    case 'and':
    case 'or': {
      const isAnd = c.c === 'and';
      for (let i = 0; i < c.subs.length; i++) {
        let r: boolean;
        try {
          r = evalCond(c.subs[i], st);
        } catch (e) {
          if (e instanceof ExpandError && !(e instanceof ForcedFail)) {
            throw new ExpandError(`${e.message} inside "${c.c}{...}" condition`);
          }
          throw e;
        }
        if (r !== isAnd) {
          try {
            for (let j = i + 1; j < c.subs.length; j++) skipCond(c.subs[j]);
          } catch (e) {
            if (e instanceof ExpandError) throw new ExpandError(`${e.message} inside "${c.c}{...}" condition`);
            throw e;
          }
          return r;
        }
      }
      return isAnd;
    }
    case 'def': {
      if (c.header) return headerExists(st.ctx, c.header.name);
      return variableValue(c.name, st) !== '';
    }
    case 'first_delivery': return st.ctx.vars.get('first_delivery')?.value === '1' || st.ctx.vars.get('first_delivery')?.value === 'yes';
    case 'queue_running': return st.ctx.vars.get('queue_running')?.value === '1' || st.ctx.vars.get('queue_running')?.value === 'yes';
    case 'nested': return nested(c, st);
    case 'args': return argsCond(c, st);
    default: return iterate(c, st);
  }
}

function iterate(c: Extract<Cond, { list: unknown }>, st: EvalState): boolean {
  const any = c.c.startsWith('forany');
  const listArg = evalArg(c.list, st);
  let items: string[];
  if (c.c.endsWith('_json') || c.c.endsWith('_jsons')) {
    items = jsonArrayElements(listArg.s, c.c);
    if (c.c.endsWith('s')) items = items.map(jsonUnquote);
  } else {
    items = splitList(listArg.s).items;
  }
  const savedItem = st.item;
  try {
    for (const it of items) {
      st.item = { value: it, tainted: listArg.tainted };
      let r: boolean;
      try {
        r = evalCond(c.sub, st);
      } catch (e) {
        if (e instanceof ExpandError && !(e instanceof ForcedFail)) throw new ExpandError(`${e.message} inside "${c.c}" condition`);
        throw e;
      }
      if (r === any) return any;
    }
    if (items.length === 0) {
      // Exim: an empty list makes forall false as well as forany.
      try {
        skipCond(c.sub);
      } catch (e) {
        if (e instanceof ExpandError) throw new ExpandError(`${e.message} inside "${c.c}" condition`);
        throw e;
      }
      return false;
    }
    return !any;
  } finally {
    st.item = savedItem;
  }
}

// ---- numbers ----------------------------------------------------------------

const LIMIT = 9223372036854775807n;

/** Exim's integer with optional K/M/G suffix; empty is zero. */
export function readInteger(text: string): bigint | number {
  const t = text.trim();
  if (t === '') return 0;
  const m = /^([-+]?)(\d+)/.exec(t);
  if (!m) throw new ExpandError(`integer expected but "${t}" found`);
  let rest = t.slice(m[0].length);
  let mult = 1;
  const s = rest[0];
  if (s === 'k' || s === 'K') mult = 1024;
  else if (s === 'm' || s === 'M') mult = 1048576;
  else if (s === 'g' || s === 'G') mult = 1073741824;
  if (mult !== 1) rest = rest.slice(1);
  if (rest.trim() !== '') throw new ExpandError(`invalid integer "${t}"`);
  if (m[2].length < 15) {
    const v = Number(m[2]) * mult;
    return m[1] === '-' ? -v : v;
  }
  let v = BigInt(m[2]);
  if (v > LIMIT) throw new ExpandError(`absolute value of integer "${t}" is too large (overflow)`);
  v *= BigInt(mult);
  if (v > LIMIT) throw new ExpandError(`absolute value of integer "${t}" is too large (overflow)`);
  return m[1] === '-' ? -v : v;
}

function compareNumbers(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = BigInt(a), y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte-order comparison, optionally ignoring ASCII case (strcmp / strcmpic). */
export function compareStrings(a: string, b: string, caseless: boolean): number {
  if (caseless) { a = asciiLower(a); b = asciiLower(b); }
  return a < b ? -1 : a > b ? 1 : 0;
}
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** A two-argument comparison by name: numeric symbols and the string family. Used by ${sort} too. */
export function compareBy(name: string, a: string, b: string): boolean {
  switch (name) {
    case '<': return compareNumbers(readInteger(a), readInteger(b)) < 0;
    case '<=': return compareNumbers(readInteger(a), readInteger(b)) <= 0;
    case '>': return compareNumbers(readInteger(a), readInteger(b)) > 0;
    case '>=': return compareNumbers(readInteger(a), readInteger(b)) >= 0;
    case '=': case '==': return compareNumbers(readInteger(a), readInteger(b)) === 0;
    case 'lt': return compareStrings(a, b, false) < 0;
    case 'lti': return compareStrings(a, b, true) < 0;
    case 'le': return compareStrings(a, b, false) <= 0;
    case 'lei': return compareStrings(a, b, true) <= 0;
    case 'gt': return compareStrings(a, b, false) > 0;
    case 'gti': return compareStrings(a, b, true) > 0;
    case 'ge': return compareStrings(a, b, false) >= 0;
    case 'gei': return compareStrings(a, b, true) >= 0;
  }
  throw new ExpandError(`bad comparison "${name}"`);
}

// ---- the rest -----------------------------------------------------------------

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}
export function isIPv6(s: string): boolean {
  // An embedded IPv4 tail counts as two groups.
  let t = s;
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  const lastColon = t.lastIndexOf(':');
  if (lastColon < 0) return false;
  let groups = 0;
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return false;
  const parts = t.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === '') continue;
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
    groups++;
  }
  if (dbl < 0) return groups === 8 && parts.length === 8;
  if (t.startsWith(':') && !t.startsWith('::')) return false;
  if (t.endsWith(':') && !t.endsWith('::')) return false;
  return groups <= 7;
}

function listResult(r: unknown): { ok: boolean; data?: string } {
  if (typeof r === 'string') {
    if (r === 'defer') throw new ExpandError('list match deferred');
    return { ok: r === 'ok' };
  }
  const m = r as { result: string; data?: string; message?: string };
  if (m.result === 'defer') throw new ExpandError(m.message ?? 'list match deferred');
  return { ok: m.result === 'ok', data: m.data };
}

function argsCond(c: ArgsCond, st: EvalState): boolean {
  const name = c.name;
  const a0 = evalArg(c.args[0], st);
  const x = a0.s;
  switch (name) {
    case 'bool':
    case 'bool_lax': {
      const t = x.trim().toLowerCase();
      if (name === 'bool_lax') return !(t === '' || t === 'false' || t === 'no' || t === '0');
      if (t === '' || t === 'false' || t === 'no') return false;
      if (t === 'true' || t === 'yes') return true;
      if (/^-?\d+$/.test(t)) return !/^-?0+$/.test(t);
      throw new ExpandError(`unrecognised boolean value "${x.trim()}"`);
    }
    case 'exists': {
      try {
        fs.statSync(x);
        return true;
      } catch {
        return false;
      }
    }
    case 'isip': return isIPv4(x) || isIPv6(x);
    case 'isip4': return isIPv4(x);
    case 'isip6': return isIPv6(x);
    case 'pam': case 'radius': case 'ldapauth':
      throw new ExpandError(`support for "${name}" not compiled`);
  }
  const a1 = evalArg(c.args[1], st);
  const y = a1.s;
  switch (name) {
    case 'eq': return x === y;
    case 'eqi': return compareStrings(x, y, true) === 0;
    case 'match': {
      let re;
      try {
        re = compileRegex(y);
      } catch (e) {
        if (e instanceof RegexError) throw new ExpandError(e.message);
        throw e;
      }
      const caps = re.exec(x);
      if (!caps) return false;
      st.caps = caps;
      st.capsTainted = a0.tainted;
      return true;
    }
    case 'inlist':
    case 'inlisti': {
      const items = splitList(y).items;
      for (const it of items) {
        if (name === 'inlist' ? it === x : compareStrings(it, x, true) === 0) {
          st.value = { value: it, tainted: a1.tainted };
          return true;
        }
      }
      return false;
    }
    case 'crypteq': return crypteq(x, y);
    case 'inbound_srs': {
      const r = srsInbound(x, y);
      if (r === null) return false;
      st.ctx.vars.set('srs_recipient', { value: r, tainted: a0.tainted });
      return true;
    }
    case 'match_domain': case 'match_local_part': case 'match_address': case 'match_ip': {
      const fn = name === 'match_domain' ? matchDomainList : name === 'match_local_part' ? matchLocalPartList
        : name === 'match_address' ? matchAddressList : matchIpList;
      if (name === 'match_ip' && x !== '' && !isIPv4(x) && !isIPv6(x)) throw new ExpandError(`"${x}" is not an IP address`);
      const r = listResult(fn(x, y, st.ctx));
      // After match_ip Exim's $value is a lookup's data, never a plain list item.
      const data = name === 'match_ip' && !y.includes(';') ? '' : (r.data ?? '');
      if (r.ok) st.value = { value: data, tainted: a1.tainted };
      return r.ok;
    }
  }
  return compareBy(name, x, y);
}

function nested(c: NestedArgsCond, st: EvalState): boolean {
  const args = c.args.map((a) => evalSeq(a, st));
  if (c.name === 'saslauthd') throw new ExpandError('support for "saslauthd" not compiled');
  // acl condition: accept → true, deny → false, defer → forced failure.
  const r = runAclHook(args[0], args.slice(1), st);
  st.value = { value: r.message ?? '', tainted: false };
  if (r.result === 'ok') return true;
  if (r.result === 'fail') return false;
  if (r.result === 'defer') throw new ForcedFail(aclFailureText(r.result, args[0]));
  throw new ExpandError(aclFailureText(r.result, args[0]));
}
