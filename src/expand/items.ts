// The ${item{...}...} family except if/lookup (evaluate.ts) and the items
// that touch files, sockets or processes (items-io.ts).

import { createHmac } from 'node:crypto';
import type { ItemNode, Seq } from './ast.ts';
import { ExpandError, ForcedFail } from './errors.ts';
import { evalArg, evalSeq, skipCheck, skipCond, withValue, yesNo, type EvalState } from './evaluate.ts';
import { joinList, listSeparator, quoteListItem, splitItems } from './list.ts';
import { compareBy } from './conditions.ts';
import { compileRegex, RegexError } from '../regex/index.ts';
import { hashString, lengthString, nhashString, parseItemNumber, substrString } from './operators/hash.ts';
import { jsonArrayElements, jsonObjectMember, jsonUnquote } from './json.ts';
import { srsEncode } from './srs.ts';
import { aclFailureText, runAclHook } from './acl-call.ts';
import { compileExpansion } from './parser.ts';
import { readFileItem, readSocketItem, runItem } from './items-io.ts';
import { certExtract } from './certextract.ts';
import { decodeBytes, encodeBytes, isAscii } from './operators/bytes.ts';

export function evalItem(node: ItemNode, st: EvalState): string {
  const a = node.args;
  switch (node.name) {
    case 'acl': return aclItem(a, st);
    case 'authresults': return authResults(evalSeq(a[0], st), st);
    case 'certextract': return certExtract(node, st);
    case 'dlfunc':
    case 'perl':
      throw new ExpandError(`"\${${node.name}" encountered, but this facility is not included in this binary`);
    case 'env': return envItem(node, st);
    case 'extract': return extract(node, st);
    case 'filter': case 'map': case 'reduce': return listIterate(node, st);
    case 'sort': return sortItem(a, st);
    case 'hash': case 'nhash': case 'length': case 'substr': return numericItem(node.name, a, st);
    case 'hmac': return hmacItem(a, st);
    case 'imapfolder': return imapFolder(a, st);
    case 'listextract': return listExtract(node, st);
    case 'listquote': {
      const sep = evalSeq(a[0], st);
      const s = evalSeq(a[1], st);
      if (s === '') return ' ';
      return sep === '' ? s : quoteListItem(s, sep[0]);
    }
    case 'prvs': return prvs(a, st);
    case 'prvscheck': return prvsCheck(a, st);
    case 'readfile': return readFileItem(a, st);
    case 'readsocket': return readSocketItem(a, st);
    case 'run': return runItem(node, st);
    case 'sg': return sg(a, st);
    case 'srs_encode': return srsEncode(evalSeq(a[0], st), evalSeq(a[1], st), evalSeq(a[2], st));
    case 'tr': return tr(evalSeq(a[0], st), evalSeq(a[1], st), evalSeq(a[2], st));
  }
  throw new ExpandError(`expansion item "${node.name}" is not implemented`);
}

function aclItem(a: Seq[], st: EvalState): string {
  const vals = a.map((s) => evalSeq(s, st));
  const r = runAclHook(vals[0], vals.slice(1), st);
  if (r.result === 'ok' || r.result === 'fail') return r.message ?? '';
  if (r.result === 'defer') throw new ForcedFail(aclFailureText(r.result, vals[0]));
  throw new ExpandError(aclFailureText(r.result, vals[0]));
}

function authResults(id: string, st: EvalState): string {
  let out = `Authentication-Results: ${id}`;
  const v = (n: string): string => st.ctx.vars.get(n)?.value ?? '';
  const parts: string[] = [];
  const extra = v('authresults_parts');
  // one part a line; a line starting with white space continues the part before it
  if (extra) parts.push(...extra.split(/\n(?![ \t])/));
  const driver = v('sender_host_authenticated');
  if (driver) {
    const id2 = v('authenticated_id');
    parts.push(`auth=pass (${driver})${id2 ? ` smtp.auth=${id2}` : ''}`);
  }
  if (parts.length === 0) return out;
  for (const p of parts) out += `;\n\t${p}`;
  return out;
}

/** The environment ${env} sees: keep_environment and add_environment, as Exim. */
function envLookup(name: string, st: EvalState): string | undefined {
  const opts = st.ctx.options;
  const add = opts?.get('add_environment');
  if (add) {
    for (const item of splitItems(add, ':')) {
      const eq = item.indexOf('=');
      if (eq > 0 && item.slice(0, eq) === name) return item.slice(eq + 1);
    }
  }
  const keep = opts?.get('keep_environment');
  if (!keep) return undefined;
  const allowed = splitItems(keep, ':').some((p) => {
    if (p.startsWith('^')) {
      try {
        return compileRegex(p).test(name);
      } catch {
        return false;
      }
    }
    if (p.endsWith('*')) return name.startsWith(p.slice(0, -1));
    return p === name;
  });
  return allowed ? process.env[name] : undefined;
}

function envItem(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const key = evalSeq(a[0], st);
  const found = envLookup(key, st);
  return withValue(st, found === undefined ? st.value : { value: found, tainted: true }, () =>
    yesNo(found !== undefined, a[1], a[2], node.fail, 'env', st, found ?? '', node.tailError));
}

// ---- extract --------------------------------------------------------------

const NUMBER = /^\s*-?\d+\s*$/;

function extract(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const key = evalArg(a[0], st);
  const json = node.word;
  const numbered = NUMBER.test(key.s);
  let value: string | null;
  let tainted: boolean;
  let rest: Seq[];
  if (numbered && !json) {
    if (a.length < 3) throw new ExpandError("missing '{' for arg 3 of extract");
    if (a.length > 5) throw new ExpandError('too many arguments for extract');
    const seps = evalSeq(a[1], st);
    const str = evalArg(a[2], st);
    value = extractField(str.s, Number(key.s.trim()), seps);
    tainted = str.tainted;
    rest = a.slice(3);
  } else {
    if (a.length > 4) {
      throw new ExpandError(`curly-bracket problem in conditional yes/no parsing: did not close with '}'\n remaining string is '${node.raw ?? ''}'`);
    }
    const k = key.s.trim();
    if (!numbered && k === '') throw new ExpandError('first argument of "extract" must not be empty');
    const str = evalArg(a[1], st);
    tainted = str.tainted;
    if (json) {
      if (numbered && Number(k) <= 0) throw new ExpandError('first argument of "extract" must be greater than zero');
      value = numbered ? jsonElement(str.s, Number(k)) : jsonObjectMember(str.s, k);
      if (value !== null && json === 'jsons') value = jsonUnquote(value);
    } else {
      value = extractKeyed(str.s, k);
    }
    rest = a.slice(2);
  }
  const found = value;
  return withValue(st, found === null ? st.value : { value: found, tainted }, () =>
    yesNo(found !== null, rest[0], rest[1], node.fail, 'extract', st, found ?? '', node.tailError));
}

function jsonElement(text: string, n: number): string | null {
  const els = jsonArrayElements(text);
  if (n === 0) return text;
  const i = n > 0 ? n - 1 : els.length + n;
  return i >= 0 && i < els.length ? els[i] : null;
}

/** key=value pairs separated by white space; quoted values have escapes processed. */
export function extractKeyed(s: string, key: string): string | null {
  const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  const lkey = key.toLowerCase();
  let i = 0;
  while (i < s.length) {
    while (isWs(s[i])) i++;
    if (i >= s.length) break;
    const ks = i;
    while (i < s.length && s[i] !== '=' && !isWs(s[i])) i++;
    const dkey = s.slice(ks, i);
    while (isWs(s[i])) i++;
    if (s[i] === '=') {
      i++;
      while (isWs(s[i])) i++;
    }
    let data = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) {
          const [ch, len] = interpretEscape(s, i);
          data += ch;
          i += len;
        } else data += s[i++];
      }
      i++;
    } else {
      const ds = i;
      while (i < s.length && !isWs(s[i])) i++;
      data = s.slice(ds, i);
    }
    if (dkey.toLowerCase() === lkey) return data;
  }
  return null;
}

/** A backslash escape at s[i]: the character and the length consumed. */
function interpretEscape(s: string, i: number): [string, number] {
  const c = s[i + 1];
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v' };
  if (simple[c]) return [simple[c], 2];
  if (c >= '0' && c <= '7') {
    let v = 0, n = 0;
    while (n < 3 && s[i + 1 + n] >= '0' && s[i + 1 + n] <= '7') { v = v * 8 + Number(s[i + 1 + n]); n++; }
    return [String.fromCharCode(v & 255), 1 + n];
  }
  if (c === 'x') {
    let v = 0, n = 0;
    while (n < 2 && /[0-9a-fA-F]/.test(s[i + 2 + n] ?? '')) { v = v * 16 + parseInt(s[i + 2 + n], 16); n++; }
    return [n ? String.fromCharCode(v) : 'x', 2 + n];
  }
  return [c, 2];
}

/** Field n (1-based; negative from the end; 0 = all) separated by any of seps. */
function extractField(s: string, n: number, seps: string): string | null {
  if (n === 0) return s;
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (seps.includes(s[i])) { fields.push(s.slice(from, i)); from = i + 1; }
  }
  fields.push(s.slice(from));
  const i = n > 0 ? n - 1 : fields.length + n;
  return i >= 0 && i < fields.length ? fields[i] : null;
}

// ---- lists ------------------------------------------------------------------

/** The list argument: its "<X" prefix, then the rest; taint of the whole. */
function listArg(seq: Seq, st: EvalState): { sep: string; items: string[]; tainted: boolean } {
  const v = evalArg(seq, st);
  const { sep, start } = listSeparator(v.s);
  return { sep, items: splitItems(v.s, sep, start), tainted: v.tainted };
}

function listIterate(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const list = listArg(a[0], st);
  const savedItem = st.item, savedValue = st.value;
  let anyTaint = false;
  try {
    if (node.name === 'reduce') {
      const init = evalArg(a[1], st);
      st.value = { value: init.s, tainted: init.tainted };
      for (const it of list.items) {
        st.item = { value: it, tainted: list.tainted };
        const r = insideItem('reduce', () => evalArg(a[2], st));
        st.value = { value: r.s, tainted: r.tainted };
      }
      if (list.items.length === 0) insideItem('reduce', () => skipCheck(a[2]));
      if (st.value.tainted) st.tainted = true;
      return st.value.value;
    }
    const out: string[] = [];
    for (const it of list.items) {
      st.item = { value: it, tainted: list.tainted };
      if (node.name === 'map') {
        const r = insideItem('map', () => evalArg(a[1], st));
        anyTaint ||= r.tainted;
        // Exim writes an empty item after the first as a single space.
        out.push(r.s === '' && out.length > 0 ? ' ' : r.s);
      } else {
        const keep = insideItem('filter', () => evalCondSaved(node.cond as Cond, st));
        if (keep) { out.push(it); anyTaint ||= list.tainted; }
      }
    }
    if (list.items.length === 0) {
      if (node.name === 'map') insideItem('map', () => skipCheck(a[1]));
      else insideItem('filter', () => skipCond(node.cond as Cond));
    }
    if (anyTaint) st.tainted = true;
    return joinList(out, list.sep || ':');
  } finally {
    st.item = savedItem;
    st.value = savedValue;
  }
}

import { evalCond } from './conditions.ts';
import type { Cond } from './ast.ts';

/** Errors inside map/filter/reduce's per-item part carry Exim's suffix. */
function insideItem<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ExpandError && !(e instanceof ForcedFail)) throw new ExpandError(`${e.message} inside "${name}" item`);
    throw e;
  }
}

function evalCondSaved(c: Cond, st: EvalState): boolean {
  const caps = st.caps, capsT = st.capsTainted, value = st.value;
  try {
    return evalCond(c, st);
  } finally {
    st.caps = caps;
    st.capsTainted = capsT;
    st.value = value;
  }
}

const KNOWN_CONDITIONS = new Set(['==', 'eq', 'eqi', 'match', 'bool', 'bool_lax', 'crypteq', 'def', 'exists', 'inlist', 'inlisti',
  'isip', 'isip4', 'isip6', 'match_address', 'match_domain', 'match_ip', 'match_local_part', 'and', 'or', 'forall', 'forany',
  'first_delivery', 'queue_running', 'acl', 'pam', 'radius', 'ldapauth', 'saslauthd', 'inbound_srs']);
const SORT_OPS = new Set(['<', '<=', '=', '>', '>=', 'lt', 'lti', 'le', 'lei', 'gt', 'gti', 'ge', 'gei']);

function sortItem(a: Seq[], st: EvalState): string {
  const list = listArg(a[0], st);
  const cmp = evalSeq(a[1], st).trim();
  if (!SORT_OPS.has(cmp)) throw new ExpandError(KNOWN_CONDITIONS.has(cmp) ? 'comparator not handled for sort' : '');
  const savedItem = st.item;
  try {
    const keyed = list.items.map((it) => {
      st.item = { value: it, tainted: list.tainted };
      return { it, key: evalSeq(a[2], st) };
    });
    if (list.items.length === 0) skipCheck(a[2]);
    // Exim's insertion sort: stable, and "should sort before" decides.
    const out: typeof keyed = [];
    for (const e of keyed) {
      let i = out.length;
      while (i > 0 && sortsBefore(cmp, e.key, out[i - 1].key)) i--;
      out.splice(i, 0, e);
    }
    if (list.tainted) st.tainted = true;
    return joinList(out.map((e) => e.it), list.sep || ':');
  } finally {
    st.item = savedItem;
  }
}

/** A comparison that cannot be made (a non-number for "<") leaves the order alone, as Exim. */
function sortsBefore(cmp: string, a: string, b: string): boolean {
  try {
    return compareBy(cmp, a, b);
  } catch {
    return false;
  }
}

function listExtract(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const num = evalSeq(a[0], st);
  if (!NUMBER.test(num)) throw new ExpandError('first argument of "listextract" must be numeric');
  const list = listArg(a[1], st);
  const n = Number(num.trim());
  const i = n > 0 ? n - 1 : list.items.length + n;
  const found = n !== 0 && i >= 0 && i < list.items.length ? list.items[i] : null;
  return withValue(st, found === null ? st.value : { value: found, tainted: list.tainted }, () => {
    if (found !== null && !a[2] && list.tainted) st.tainted = true;
    return yesNo(found !== null, a[2], a[3], node.fail, 'listextract', st, found ?? '', node.tailError);
  });
}

// ---- string items -------------------------------------------------------------

function numericItem(name: string, a: Seq[], st: EvalState): string {
  const vals = a.map((s) => evalArg(s, st));
  const subject = vals[vals.length - 1];
  if (subject.tainted) st.tainted = true;
  if (name === 'length') return lengthString(subject.s, parseItemNumber(vals[0].s, name, true));
  if (name === 'substr') {
    const start = parseItemNumber(vals[0].s, name, false);
    return substrString(subject.s, start, vals.length === 3 ? parseItemNumber(vals[1].s, name, true) : -1);
  }
  const n = parseItemNumber(vals[0].s, name, false);
  const m = vals.length === 3 ? parseItemNumber(vals[1].s, name, true) : -1;
  return name === 'hash' ? hashString(subject.s, n, m) : nhashString(subject.s, n, m);
}

function hmacItem(a: Seq[], st: EvalState): string {
  const alg = evalSeq(a[0], st);
  if (alg !== 'md5' && alg !== 'sha1') throw new ExpandError(`hmac algorithm "${alg}" is not recognised`);
  const key = evalSeq(a[1], st);
  const data = evalSeq(a[2], st);
  return createHmac(alg, encodeBytes(key)).update(encodeBytes(data)).digest('hex');
}

function tr(subject: string, from: string, to: string): string {
  if (to === '' || from === '') return subject;
  if (!isAscii(subject) || !isAscii(from) || !isAscii(to)) {
    // Exim translates bytes.
    const s = encodeBytes(subject), f = encodeBytes(from), t = encodeBytes(to);
    const map = new Map<number, number>();
    for (let i = 0; i < f.length; i++) map.set(f[i], t[Math.min(i, t.length - 1)]);
    return decodeBytes(Buffer.from(s.map((b) => map.get(b) ?? b)));
  }
  const map = new Map<string, string>();
  for (let i = 0; i < from.length; i++) map.set(from[i], to[Math.min(i, to.length - 1)]);
  let out = '';
  for (const c of subject) out += map.get(c) ?? c;
  return out;
}

function sg(a: Seq[], st: EvalState): string {
  const subject = evalArg(a[0], st);
  const pattern = evalSeq(a[1], st);
  const replacement = evalSeq(a[2], st);
  let re;
  try {
    re = compileRegex(pattern);
  } catch (e) {
    if (e instanceof RegexError) throw new ExpandError(e.message);
    throw e;
  }
  if (subject.tainted) st.tainted = true;
  const rep = compileExpansion(replacement);
  if (rep.literal) return re.replaceAll(subject.s, () => replacement);
  const caps = st.caps, capsT = st.capsTainted;
  try {
    return re.replaceAll(subject.s, (c) => {
      st.caps = c;
      st.capsTainted = subject.tainted;
      return evalSeq(rep.seq, st);
    });
  } finally {
    st.caps = caps;
    st.capsTainted = capsT;
  }
}

// ---- prvs ------------------------------------------------------------------

function prvsDay(offset: number): string {
  const day = Math.floor(Date.now() / 86_400_000) + offset;
  return String(day % 1000).padStart(3, '0');
}
function prvsHash(address: string, secret: string, keyNum: string, day: string): string {
  return createHmac('sha1', encodeBytes(secret)).update(encodeBytes(keyNum + day + address)).digest('hex').slice(0, 6);
}

function prvs(a: Seq[], st: EvalState): string {
  const address = evalSeq(a[0], st);
  const secret = evalSeq(a[1], st);
  const keyNum = a[2] ? evalSeq(a[2], st) : '0';
  const at = address.lastIndexOf('@');
  if (at <= 0) throw new ExpandError('prvs first argument must be a qualified email address');
  if (!/^\d$/.test(keyNum)) throw new ExpandError('prvs third argument must be a single digit');
  const day = prvsDay(7);
  return `prvs=${keyNum}${day}${prvsHash(address, secret, keyNum, day)}=${address}`;
}

function prvsCheck(a: Seq[], st: EvalState): string {
  const addr = evalSeq(a[0], st);
  const m = /^prvs=(\d)(\d{3})([0-9a-f]{6})=(.+)@(.+)$/i.exec(addr);
  const vars = st.ctx.vars;
  if (!m) {
    skipCheck(a[1]);
    if (a[2]) skipCheck(a[2]);
    return '';
  }
  const decoded = `${m[4]}@${m[5]}`;
  vars.set('prvscheck_address', { value: decoded, tainted: false });
  vars.set('prvscheck_keynum', { value: m[1], tainted: false });
  const secret = evalSeq(a[1], st);
  const good = prvsHash(decoded, secret, m[1], m[2]) === m[3].toLowerCase();
  // The stamp is the expiry day (mod 1000): still valid when today is not past it.
  const today = Number(prvsDay(0));
  const stamp = Number(m[2]);
  const inDate = (stamp - today + 1000) % 1000 <= 7;
  vars.set('prvscheck_result', { value: good && inDate ? '1' : '', tainted: false });
  const third = a[2] ? evalSeq(a[2], st) : '';
  vars.delete('prvscheck_address');
  vars.delete('prvscheck_keynum');
  return third === '' ? decoded : third;
}

// ---- imapfolder ------------------------------------------------------------------

function imapFolder(a: Seq[], st: EvalState): string {
  const name = evalSeq(a[0], st);
  const sep = a[1] ? evalSeq(a[1], st) : '/';
  if (a[2]) evalSeq(a[2], st);
  if (sep.length !== 1) throw new ExpandError(`IMAP folder separator must be one character, found "${sep}"`);
  let out = '';
  let i = 0;
  const chars = [...name];
  while (i < chars.length) {
    const c = chars[i];
    if (c === sep) { out += '.'; i++; continue; }
    if (c === '.' || c === '/') throw new ExpandError(`imapfolder: illegal character '${c}'`);
    if (c === '&') { out += '&-'; i++; continue; }
    const cp = c.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f) { out += c; i++; continue; }
    // modified UTF-7: a run of non-printable-ASCII characters as base64 of UTF-16BE
    let run = '';
    while (i < chars.length) {
      const d = chars[i].codePointAt(0)!;
      if (d >= 0x20 && d < 0x7f) break;
      run += chars[i++];
    }
    const be = Buffer.from(run, 'utf16le').swap16();
    out += '&' + be.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
  }
  return out;
}
