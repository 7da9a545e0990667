// Text → AST for Exim's expansion language. The grammar follows Exim's own
// expander: `\` escapes and `\N...\N`, `$name`, `${name}`, `$h_name:`,
// `${op:subject}`, `${item{arg}...}`, `${if cond {yes}{no}}`, lookups.
//
// Static problems (syntax, unknown variable, operator, condition or lookup
// type) become `error` nodes at the place Exim would report them, so that the
// evaluator raises them in Exim's order. Nesting depth is bounded so that a
// hostile string cannot overflow the JavaScript stack.

import type { Cond, Expansion, HeaderKind, Node, Seq } from './ast.ts';
import { resolveVariable } from './variables.ts';
import { isKnownOperator } from './operator-dispatch.ts';
import { checkLookupSpec } from './lookup-item.ts';
import { decodeBytes, encodeBytes } from './operators/bytes.ts';

/** A byte from an escape: ASCII as itself, others as the raw-byte surrogate (see operators/bytes.ts). */
const byteChar = (v: number): string => String.fromCharCode(v < 0x80 ? v : 0xdc00 + v);
/** Escaped bytes that form valid UTF-8 become the characters they encode. */
function normaliseBytes(s: string): string {
  return RAW_BYTE.test(s) ? decodeBytes(encodeBytes(s)) : s;
}
const RAW_BYTE = /[\udc80-\udcff]/;

/**
 * Deepest nesting of items/arguments accepted. Exim has no fixed limit; the
 * JavaScript stack has one, so a stack overflow while compiling or evaluating
 * is also turned into this error (see compileExpansion and index.ts).
 */
export const MAX_NESTING = 10_000;
export const NESTING_MESSAGE = 'expansion nested too deeply';

class SyntaxError_ extends Error {}

// The scanner works on character codes: no one-character strings, no regexes.
const BACKSLASH = 92, DOLLAR = 36, LBRACE = 123, RBRACE = 125, COLON = 58, UNDERSCORE = 95;
/** C's isspace() in the C locale (NaN, past the end, is not). */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
const isNameChar = (c: number): boolean => isAlnum(c) || c === UNDERSCORE;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
/**
 * The character code at i, or -1 past the end. (Optimised code handles an
 * out-of-range charCodeAt, which gives NaN, only through a slow runtime call.)
 */
const codeAt = (s: string, i: number): number => (i < s.length ? s.charCodeAt(i) : -1);
function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

const HEADER_PREFIXES: [string, HeaderKind][] = [
  ['bheader_', 'bh'], ['bh_', 'bh'], ['rheader_', 'rh'], ['rh_', 'rh'], ['lheader_', 'lh'], ['lh_', 'lh'],
  ['header_', 'h'], ['h_', 'h'],
];
function headerPrefix(name: string): [number, HeaderKind] | null {
  // only names starting b, h, l or r can be header references
  const c = name.charCodeAt(0);
  if (c !== 98 && c !== 104 && c !== 108 && c !== 114) return null;
  for (const [p, k] of HEADER_PREFIXES) if (name.startsWith(p)) return [p.length, k];
  return null;
}

/** Items and their argument counts for the generic reader [min, max]. */
const ITEM_ARGS: Record<string, [number, number]> = {
  acl: [1, 10], authresults: [1, 1], certextract: [2, 2], dlfunc: [2, 10], env: [1, 1], filter: [2, 2],
  hash: [2, 3], hmac: [3, 3], imapfolder: [1, 3], length: [2, 2], listextract: [2, 2], listquote: [2, 2],
  map: [2, 2], nhash: [2, 3], perl: [1, 9], prvs: [2, 3], prvscheck: [2, 3], readfile: [1, 2],
  readsocket: [2, 5], reduce: [3, 3], run: [1, 1], sg: [3, 3], sort: [3, 3], srs_encode: [3, 3],
  substr: [2, 3], tr: [3, 3],
};
/** Items whose required arguments are followed by Exim's {yes}{no}/fail part. */
const YESNO_ITEMS = new Set(['certextract', 'env', 'listextract', 'run', 'if', 'lookup', 'extract']);
export const ITEM_NAMES = new Set([...Object.keys(ITEM_ARGS), 'if', 'lookup', 'extract']);

const CONDITIONS: Record<string, number> = {
  '<': 2, '<=': 2, '=': 2, '==': 2, '>': 2, '>=': 2,
  bool: 1, bool_lax: 1, crypteq: 2, eq: 2, eqi: 2, exists: 1, ge: 2, gei: 2, gt: 2, gti: 2,
  inbound_srs: 2, inlist: 2, inlisti: 2, isip: 1, isip4: 1, isip6: 1, ldapauth: 1, le: 2, lei: 2, lt: 2, lti: 2,
  match: 2, match_address: 2, match_domain: 2, match_ip: 2, match_local_part: 2, pam: 1, radius: 1,
};
const NESTED_CONDS = new Set(['saslauthd', 'acl']);
const ITER_CONDS = new Set(['forall', 'forany', 'forall_json', 'forany_json', 'forall_jsons', 'forany_jsons']);
const ORD = ['1st', '2nd', '3rd', '4th'];

/** isKnownOperator's answers by name: operator names repeat, their answers do not change. */
const operatorCache = new Map<string, ReturnType<typeof isKnownOperator>>();
function knownOperator(name: string): ReturnType<typeof isKnownOperator> {
  let r = operatorCache.get(name);
  if (r === undefined) {
    r = isKnownOperator(name);
    if (operatorCache.size < 1000) operatorCache.set(name, r);
  }
  return r;
}

export class Parser {
  private i = 0;
  private depth = 0;
  private headerNoColon = false;
  /**
   * Whether a literal may hold raw-byte characters that need normalising:
   * the text itself has some, or an escape such as \xe9 made one.
   */
  private rawBytes: boolean;
  /** Static errors met so far (in text order), used when a later syntax error swallows an item. */
  private staticErrors: string[] = [];
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
    this.rawBytes = RAW_BYTE.test(s);
  }

  private litNode(lit: string): Node {
    return { k: 'lit', s: this.rawBytes ? normaliseBytes(lit) : lit };
  }

  parseAll(): Seq {
    return this.seq(false);
  }

  private fail(msg: string): never {
    if (this.headerNoColon) msg += ' - could be header name not terminated by colon';
    throw new SyntaxError_(msg);
  }

  private staticError(msg: string, lookup = false): Node {
    this.staticErrors.push(msg);
    return lookup ? { k: 'error', msg, lookup } : { k: 'error', msg };
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    while (isSpace(codeAt(s, i))) i++;
    this.i = i;
  }

  /** The character code at the index (-1 past the end). */
  private at(): number {
    return codeAt(this.s, this.i);
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) throw new SyntaxError_(NESTING_MESSAGE);
  }

  /** A sequence up to the end of the text or (inBraces) an unescaped `}`, which is not consumed. */
  seq(inBraces: boolean): Seq {
    const out: Seq = [];
    const s = this.s;
    const n = s.length;
    let lit = '';
    while (this.i < n) {
      const c = s.charCodeAt(this.i);
      if (c === RBRACE && inBraces) break;
      if (c === BACKSLASH) {
        if (codeAt(s, this.i + 1) === 78 /* N */) {
          const end = s.indexOf('\\N', this.i + 2);
          const stop = end < 0 ? s.length : end;
          lit += s.slice(this.i + 2, stop);
          this.i = end < 0 ? s.length : end + 2;
        } else {
          lit += this.escape();
        }
        continue;
      }
      if (c === DOLLAR) {
        if (lit) { out.push(this.litNode(lit)); lit = ''; }
        if (!inBraces && this.depth === 0) {
          // At top level a syntax error in one item leaves the earlier nodes to run first.
          const mark = this.staticErrors.length;
          try {
            out.push(this.dollar());
          } catch (e) {
            if (!(e instanceof SyntaxError_)) throw e;
            this.depth = 0;
            const earlier = this.staticErrors[mark];
            out.push({ k: 'error', msg: earlier ?? e.message });
            this.i = s.length;
            return out;
          }
        } else {
          out.push(this.dollar());
        }
        continue;
      }
      // copy a run of plain characters at once
      let j = this.i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === BACKSLASH || d === DOLLAR || (d === RBRACE && inBraces)) break;
        j++;
      }
      lit += s.slice(this.i, j);
      this.i = j;
    }
    if (lit) out.push(this.litNode(lit));
    return out;
  }

  /** One backslash escape (not \N); the index is at the backslash. */
  private escape(): string {
    const s = this.s;
    const c = s[this.i + 1];
    this.i += 2;
    if (c === undefined) { this.i = s.length; return ''; }
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'x': {
        let v = 0, n = 0;
        while (n < 2 && isHex(codeAt(s, this.i))) { v = v * 16 + parseInt(s[this.i], 16); this.i++; n++; }
        return n === 0 ? '' : this.byte(v);
      }
    }
    if (c >= '0' && c <= '7') {
      let v = c.charCodeAt(0) - 48, n = 1;
      while (n < 3 && s[this.i] >= '0' && s[this.i] <= '7') { v = v * 8 + s.charCodeAt(this.i) - 48; this.i++; n++; }
      return this.byte(v & 255);
    }
    return c;
  }

  /** The character for an escaped byte; a non-ASCII one means literals need normalising. */
  private byte(v: number): string {
    if (v >= 0x80) this.rawBytes = true;
    return byteChar(v);
  }

  private readName(): string {
    const s = this.s;
    const start = this.i;
    let i = start;
    while (isNameChar(codeAt(s, i))) i++;
    this.i = i;
    return s.slice(start, i);
  }

  /** Header name after $h_ etc.: printing characters up to a colon (consumed) or white space. */
  private headerName(): string {
    const s = this.s;
    const start = this.i;
    while (this.i < s.length && s.charCodeAt(this.i) !== COLON && !isSpace(s.charCodeAt(this.i))) this.i++;
    const name = s.slice(start, this.i);
    if (s[this.i] === ':') this.i++;
    else this.headerNoColon = true;
    return name;
  }

  private variable(name: string, braced: boolean): Node {
    if (isDigits(name)) return { k: 'var', name, braced };
    if (name === 'value' || name === 'item') return { k: 'var', name, braced };
    const r = resolveVariable(name);
    if (typeof r !== 'function') {
      return this.staticError(braced ? `unknown variable in "\${${name}}"` : r.error);
    }
    return { k: 'var', name, braced };
  }

  /** At a `$`. */
  private dollar(): Node {
    const s = this.s;
    this.i++;
    const c = codeAt(s, this.i);
    if (c !== LBRACE) {
      if (!isAlnum(c)) this.fail('$ not followed by letter, digit, or {');
      if (isDigit(c)) {
        const start = this.i;
        while (isDigit(codeAt(s, this.i))) this.i++;
        return { k: 'var', name: s.slice(start, this.i), braced: false };
      }
      const name = this.readName();
      const hp = headerPrefix(name);
      if (hp) {
        this.i -= name.length - hp[0];
        return { k: 'hdr', kind: hp[1], name: this.headerName() };
      }
      return this.variable(name, false);
    }
    this.i++;
    if (!isAlnum(this.at())) this.fail('letter or digit expected after ${');
    let name = this.readName();
    // substr_-1 style: a minus sign may follow the underscore of an operator name
    while (name.charCodeAt(name.length - 1) === UNDERSCORE && this.at() === 45 /* - */) { this.i++; name += '-' + this.readName(); }
    const isItem = ITEM_NAMES.has(name);
    if (!isItem && this.at() === RBRACE) {
      this.i++;
      if (headerPrefix(name)) return this.staticError(`unknown variable in "\${${name}}"`);
      return this.variable(name, true);
    }
    this.enter();
    try {
      if (isItem) return this.item(name);
      if (this.at() === COLON) {
        this.i++;
        const sub = this.seq(true);
        if (this.at() !== RBRACE) this.fail('missing } at end of string');
        this.i++;
        const known = knownOperator(name);
        if (!known) return this.staticError(`unknown expansion operator "${name}"`);
        return { k: 'op', name, base: known.base, arg: known.arg, sub };
      }
      this.fail(`"\${${name}" is not a known operator (or a } is missing in a variable reference)`);
    } finally {
      this.depth--;
    }
  }

  /** One `{...}` argument; index at `{`. */
  private braced(): Seq {
    this.i++;
    this.enter();
    const seq = this.seq(true);
    this.depth--;
    if (this.at() !== RBRACE) this.fail('missing } at end of string');
    this.i++;
    return seq;
  }

  /** Up to max `{arg}`s, skipping white space between them. */
  private args(max: number): Seq[] {
    const out: Seq[] = [];
    while (out.length < max) {
      this.ws();
      if (this.at() !== LBRACE) break;
      out.push(this.braced());
    }
    return out;
  }

  private closeItem(name: string, max: number): void {
    this.ws();
    if (this.at() === RBRACE) { this.i++; return; }
    if (this.at() === LBRACE) this.fail(`Too many arguments for '${name}' (max is ${max})`);
    this.fail(`missing '}' after '${name}'`);
  }

  /** The {yes}{no} / fail tail and the closing brace. */
  private yesNo(itemName: string): { yes?: Seq; no?: Seq; fail: boolean; tailError?: string } {
    try {
      return this.yesNoInner(itemName);
    } catch (e) {
      // Exim uses a top-level item's leading arguments before it meets this error.
      if (e instanceof SyntaxError_ && this.depth === 1) {
        this.i = this.s.length;
        return { fail: false, tailError: e.message };
      }
      throw e;
    }
  }

  private yesNoInner(itemName: string): { yes?: Seq; no?: Seq; fail: boolean } {
    const s = this.s;
    this.ws();
    if (this.at() === RBRACE) { this.i++; return { fail: false }; }
    if (this.at() !== LBRACE) {
      if (this.headerNoColon) throw new SyntaxError_('missing or misplaced { or } - could be header name not terminated by colon');
      this.fail(`curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n remaining string is '${s.slice(this.i)}'`);
    }
    const yes = this.braced();
    this.ws();
    let no: Seq | undefined;
    let fail = false;
    if (this.at() === LBRACE) no = this.braced();
    else if (s.startsWith('fail', this.i) && !isNameChar(codeAt(s, this.i + 4))) { fail = true; this.i += 4; }
    else if (this.at() !== RBRACE) this.fail(`syntax error in "${itemName}" item - "fail" expected`);
    this.ws();
    if (this.at() !== RBRACE) {
      this.fail(`curly-bracket problem in conditional yes/no parsing: did not close with '}'\n remaining string is '${s.slice(this.i)}'`);
    }
    this.i++;
    return { yes, no, fail };
  }

  private item(name: string): Node {
    const s = this.s;
    if (name === 'if') {
      const cond = this.cond();
      return { k: 'if', cond, ...this.yesNo('if') };
    }
    if (name === 'lookup') return this.lookup();
    let word: string | undefined;
    if (name === 'run' && s[this.i] === ',') {
      const m = /^,[^\s{]*/.exec(s.slice(this.i, this.i + 200));
      word = m![0].slice(1);
      this.i += m![0].length;
    }
    if (name === 'extract') {
      this.ws();
      if (s.startsWith('json', this.i)) {
        const len = codeAt(s, this.i + 4) === 115 /* s */ ? 5 : 4;
        const next = codeAt(s, this.i + len);
        if (isSpace(next) || next === LBRACE) { word = s.slice(this.i, this.i + len); this.i += len; }
      }
      const args = this.args(4);
      if (args.length < 2) this.fail(`missing '{' for arg ${args.length + 1} of extract`);
      // The numbered form has a separator argument (non-json); which form it is is known after expansion.
      let extra: string | undefined;
      this.ws();
      if (this.at() === LBRACE) {
        extra = s.slice(this.i);
        args.push(...this.args(1));
      }
      this.ws();
      let fail = false;
      if (s.startsWith('fail', this.i)) { fail = true; this.i += 4; this.ws(); }
      if (this.at() !== RBRACE) {
        const msg = `curly-bracket problem in conditional yes/no parsing: did not close with '}'\n remaining string is '${s.slice(this.i)}'`;
        if (this.depth !== 1) this.fail(msg);
        this.i = s.length;
        return { k: 'item', name, word, args, fail, tailError: msg, raw: extra };
      }
      this.i++;
      return { k: 'item', name, word, args, fail, raw: extra };
    }
    if (name === 'filter') {
      this.ws();
      if (this.at() !== LBRACE) this.fail(`Not enough arguments for 'filter' (min is 2)`);
      const list = this.braced();
      this.ws();
      if (this.at() !== LBRACE) this.fail(`missing '{' for last arg of filter`);
      this.i++;
      this.enter();
      const cond = this.cond();
      this.depth--;
      this.ws();
      if (this.at() !== RBRACE) this.fail(`missing } at end of condition inside "filter"`);
      this.i++;
      this.ws();
      if (this.at() !== RBRACE) this.fail(`missing } at end of "filter"`);
      this.i++;
      return { k: 'item', name, args: [list], cond, fail: false };
    }
    const [min, max] = ITEM_ARGS[name];
    const rawStart = this.i;
    const args = this.args(max);
    let raw: string | undefined;
    if (name === 'run' && args.length > 0) {
      const open = s.indexOf('{', rawStart);
      raw = s.slice(open + 1, this.i - 1);
    }
    if (args.length < min) {
      if (name === 'env') this.fail('');
      if (name === 'reduce') this.fail(`missing '{' for ${args.length === 1 ? 'second' : 'last'} arg of reduce`);
      if (name === 'listextract') this.fail(`missing '{' for arg 2 of listextract`);
      if (name === 'run') this.fail(`missing '{' for command arg of run`);
      if (name === 'prvscheck') this.fail(`Not enough arguments for 'prvscheck' (min is 1)`);
      if (name === 'map' || name === 'filter') this.fail(`missing '{' for last arg of ${name}`);
      if (name === 'sort') this.fail(`missing '{' for ${args.length === 1 ? 'comparator' : 'extractor'} arg of sort`);
      this.fail(`Not enough arguments for '${name}' (min is ${min})`);
    }
    if (YESNO_ITEMS.has(name)) {
      const yn = this.yesNo(name);
      const all = [...args];
      return { k: 'item', name, word, args: all.concat(yn.yes ? [yn.yes] : [], yn.no ? [yn.no] : []), fail: yn.fail, raw, tailError: yn.tailError };
    }
    if (name === 'map' || name === 'filter' || name === 'reduce' || name === 'sort') {
      this.ws();
      if (this.at() !== RBRACE) this.fail(`missing } at end of "${name}"`);
      this.i++;
      return { k: 'item', name, args, fail: false };
    }
    if (name === 'readsocket') {
      this.ws();
      if (this.at() !== RBRACE) this.fail("missing '}' closing readsocket");
      this.i++;
      return { k: 'item', name, word, args, fail: false };
    }
    this.closeItem(name, max);
    return { k: 'item', name, word, args, fail: false };
  }

  private lookup(): Node {
    const s = this.s;
    this.ws();
    let key: Seq | undefined;
    if (this.at() === LBRACE) key = this.braced();
    this.ws();
    const start = this.i;
    if (this.at() !== RBRACE) while (this.i < s.length && this.at() !== LBRACE && !isSpace(this.at())) this.i++;
    const spec = s.slice(start, this.i);
    if (spec === '') this.fail('missing lookup type');
    const problem = checkLookupSpec(spec, key !== undefined);
    this.ws();
    if (this.at() !== LBRACE) {
      if (problem) this.fail(problem);
      this.fail(key ? `missing {file} for single-key "${spec}" lookup` : `missing {query} for "${spec}" lookup`);
    }
    const query = this.braced();
    const yn = this.yesNo('lookup');
    if (problem) return this.staticError(problem, true);
    return { k: 'lookup', spec, key, query, ...yn };
  }

  /** A condition, index at its start (white space allowed). */
  cond(): Cond {
    const s = this.s;
    this.ws();
    if (this.at() === 33 /* ! */) {
      // a run of negations, counted rather than recursed into
      let neg = false;
      while (this.at() === 33) {
        neg = !neg;
        this.i++;
        this.ws();
      }
      const sub = this.cond();
      return neg ? { c: '!', sub } : sub;
    }
    let name: string;
    const c = this.at();
    if (c === 61 || c === 60 || c === 62) { // = < >
      name = s[this.i];
      this.i++;
      if (this.at() === 61) { name += '='; this.i++; }
    } else {
      name = this.readName();
    }
    if (name === '') this.fail(`condition name expected, but found "${s.slice(this.i, this.i + 16)}"`);
    if (name === 'def' && this.at() === COLON) {
      this.i++;
      const vname = this.readName();
      if (vname === '') this.fail('variable name omitted after "def:"');
      const hp = headerPrefix(vname);
      if (hp) {
        this.i -= vname.length - hp[0];
        return { c: 'def', name: vname, header: { kind: hp[1], name: this.headerName() } };
      }
      if (vname !== 'value' && vname !== 'item' && typeof resolveVariable(vname) !== 'function') {
        return this.condError(`unknown variable "${vname}" after "def:"`);
      }
      return { c: 'def', name: vname };
    }
    if (name === 'def') this.fail('":" expected after "def"');
    if (name === 'first_delivery' || name === 'queue_running') return { c: name };
    if (name === 'and' || name === 'or') {
      this.ws();
      if (this.at() !== LBRACE) this.fail(`missing { after "${name}"`);
      this.i++;
      const subs: Cond[] = [];
      for (;;) {
        this.ws();
        if (this.at() === RBRACE) { this.i++; break; }
        if (this.at() !== LBRACE) this.fail(`each subcondition inside an "${name}{...}" condition must be in its own {}`);
        this.i++;
        this.enter();
        const sub = this.cond();
        this.depth--;
        subs.push(sub);
        this.ws();
        if (this.at() !== RBRACE) this.fail(`missing } at end of condition inside "${name}" group`);
        this.i++;
      }
      return { c: name, subs };
    }
    if (ITER_CONDS.has(name)) {
      this.ws();
      if (this.at() !== LBRACE) this.fail(`missing { after "${name}"`);
      const list = this.braced();
      this.ws();
      if (this.at() !== LBRACE) this.fail(`missing { after "${name}"`);
      this.i++;
      this.enter();
      const sub = this.cond();
      this.depth--;
      this.ws();
      if (this.at() !== RBRACE) this.fail(`missing } at end of condition inside "${name}"`);
      this.i++;
      return { c: name as 'forall', list, sub };
    }
    if (NESTED_CONDS.has(name)) {
      this.ws();
      if (this.at() !== LBRACE) this.fail(`missing { after "${name}"`);
      this.i++;
      const args = this.args(name === 'acl' ? 10 : 4);
      this.ws();
      if (this.at() !== RBRACE || args.length < (name === 'acl' ? 1 : 2)) this.fail(`too few arguments or bracketing error for ${name}`);
      this.i++;
      return { c: 'nested', name, args };
    }
    const n = CONDITIONS[name];
    if (n === undefined) return this.condError(`unknown condition "${name}"`);
    const args: Seq[] = [];
    for (let k = 0; k < n; k++) {
      this.ws();
      if (this.at() !== LBRACE) this.fail(k === 0 ? `missing { after "${name}"` : `missing ${ORD[k]} string in {} after "${name}"`);
      args.push(this.braced());
    }
    return { c: 'args', name, args };
  }

  /** A static error in a condition: the rest of the condition text is skipped as Exim would not reach it. */
  private condError(msg: string): Cond {
    this.staticErrors.push(msg);
    // skip the argument braces of the unknown condition so that parsing can go on
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '{') break;
      this.braced();
    }
    return { c: 'error', msg };
  }
}

// Two-generation cache (an approximate LRU without per-hit reordering): new
// and recently used texts live in `young`; when it fills up it becomes `old`
// and whatever is not used again before the next turnover is dropped.
// A tree is cached only when its text comes a second time (the first time
// only the text is noted in `seen`): texts expanded once, such as most -be
// input lines, then leave no tree behind to be promoted to the old
// generation of the JavaScript heap, and die young.
let young = new Map<string, Expansion>();
let old = new Map<string, Expansion>();
let seenYoung = new Set<string>();
let seenOld = new Set<string>();
const GENERATION_SIZE = 4096;

function remember(text: string, exp: Expansion): void {
  if (young.size >= GENERATION_SIZE) {
    old = young;
    young = new Map();
  }
  young.set(text, exp);
}

/** True when the text was met before (and not long ago); notes it otherwise. */
function seenBefore(text: string): boolean {
  if (seenYoung.has(text) || seenOld.has(text)) return true;
  if (seenYoung.size >= GENERATION_SIZE) {
    seenOld = seenYoung;
    seenYoung = new Set();
  }
  seenYoung.add(text);
  return false;
}

/** Compile an expansion string, cached by text. */
export function compileExpansion(text: string): Expansion {
  const hit = young.get(text);
  if (hit) return hit;
  const older = old.get(text);
  if (older) {
    remember(text, older);
    return older;
  }
  const exp = parseExpansion(text);
  if (text.length <= 65536 && seenBefore(text)) remember(text, exp);
  return exp;
}

/** Compile without the cache. */
export function parseExpansion(text: string): Expansion {
  const literal = text.indexOf('$') < 0 && text.indexOf('\\') < 0;
  let seq: Seq;
  try {
    seq = literal ? (text ? [{ k: 'lit', s: text }] : []) : new Parser(text).parseAll();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    seq = [{ k: 'error', msg: NESTING_MESSAGE }];
  }
  return { text, seq, literal };
}

export { isDigits };
