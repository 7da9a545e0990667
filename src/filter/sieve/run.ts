// Sieve filter files (RFC 5228) as Exim runs them (filter.xfpt, chapter
// "Sieve filter files"; README.SIEVE): the core language with "fileinto",
// "copy", "envelope", "encoded-character", "subaddress", the
// i;ascii-numeric comparator and "vacation" ("enotify" is refused as
// disabled, as by Exim 4.98 as Debian builds it).
//
// As in Exim, the script is parsed and obeyed in one pass: code that is not
// obeyed (a false branch) is still checked, and "stop" ends both. An error
// stops the script; the message is then kept in the inbox, as if nothing
// had been set up ("Sieve script errors currently cause messages to be
// silently filed into inbox").

import { createHash } from 'node:crypto';
import type { ExpandContext } from '../../expand/context.ts';
import { headerContents } from '../../expand/headers.ts';
import { extractAddress, findAddressEnd, type GroupState } from '../../expand/operators/address.ts';
import { OPERATORS } from '../../expand/operators/index.ts';
import { isPersonal } from '../personal.ts';
import type { FilterDelivery, FilterResult } from '../types.ts';
import { sieveMatch, type Comparator, type MatchType } from './match.ts';

export interface SieveEnv {
  ctx: ExpandContext;
  /** -bf: report "Implicit keep", "No implicit keep" or the error, as Exim does. */
  test?: { print(line: string): void };
  /** -v: each action as it is obeyed. */
  debug?(line: string): void;
  qualify(localPart: string): string;
  /** Where "keep" files the message (sieve_inbox). */
  inbox: string;
  /** sieve_subaddress and sieve_useraddress, expanded. */
  subaddress?: string;
  useraddress?: string;
  /** sieve_vacation_directory; "vacation" is disabled without it. */
  vacationDirectory?: string;
}

class SieveError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** Capability names, matched exactly (as Exim 4.98 does, whatever README.SIEVE says). */
const CAPABILITIES = new Set(['fileinto', 'copy', 'envelope', 'encoded-character', 'subaddress', 'vacation',
  'comparator-i;ascii-numeric', 'comparator-i;ascii-casemap', 'comparator-en;ascii-casemap', 'comparator-i;octet']);

/** Headers the address test may look at. */
const ADDRESS_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'resent-from', 'resent-to']);

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

type AddressPart = ':all' | ':localpart' | ':domain' | ':user' | ':detail';

/** What a test was asked: the match details shared by address, header and envelope. */
interface MatchSpec {
  part: AddressPart;
  comparator: Comparator;
  type: MatchType;
}

class Stop extends Error {}

class Sieve {
  private readonly t: string;
  private pos = 0;
  private line = 1;
  private readonly env: SieveEnv;
  private readonly required = new Set<string>();
  implicitKeep = true;
  readonly deliveries: FilterDelivery[] = [];

  constructor(text: string, env: SieveEnv) {
    this.t = text;
    this.env = env;
  }

  private fail(message: string): never {
    throw new SieveError(message, this.line);
  }

  // ---- lexical level ----

  /** Skip white space, "#" comments and bracketed comments. */
  private white(): void {
    const t = this.t;
    for (;;) {
      const c = t[this.pos];
      if (isSpace(c)) {
        if (c === '\n') this.line++;
        this.pos++;
      } else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '*') {
        this.pos += 2;
        const startLine = this.line;
        for (;;) {
          if (this.pos >= t.length) throw new SieveError('missing end of comment', startLine);
          if (t[this.pos] === '*' && t[this.pos + 1] === '/') {
            this.pos += 2;
            break;
          }
          if (t[this.pos] === '\n') this.line++;
          this.pos++;
        }
      } else return;
    }
  }

  /** Consume an identifier (or ":tag"), compared without regard to case, when it comes next. */
  private identifier(id: string): boolean {
    const s = this.t.slice(this.pos, this.pos + id.length);
    if (lower(s) !== id) return false;
    const after = this.t[this.pos + id.length];
    if (after !== undefined && /[A-Za-z0-9_]/.test(after)) return false;
    this.pos += id.length;
    return true;
  }

  private punct(c: string): boolean {
    if (this.t[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private semicolon(): void {
    this.white();
    if (!this.punct(';')) this.fail('missing semicolon');
  }

  /** A quoted or multi-line string, or undefined when none comes next. */
  private string(): string | undefined {
    const t = this.t;
    let out = '';
    if (t[this.pos] === '"') {
      this.pos++;
      for (;;) {
        if (this.pos >= t.length) this.fail('missing end of string');
        const c = t[this.pos];
        if (c === '"') {
          this.pos++;
          break;
        }
        if (c === '\\' && this.pos + 1 < t.length) {
          const n = t[this.pos + 1];
          out += n === '0' ? '\0' : n;
          if (n === '\n') this.line++;
          this.pos += 2;
          continue;
        }
        if (c === '\n') this.line++;
        out += c;
        this.pos++;
      }
      return this.decodeEncoded(out);
    }
    if (lower(t.slice(this.pos, this.pos + 5)) === 'text:') {
      this.pos += 5;
      while (t[this.pos] === ' ' || t[this.pos] === '\t') this.pos++;
      if (t[this.pos] === '#') while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      if (t[this.pos] === '\r') this.pos++;
      if (t[this.pos] !== '\n') this.fail('syntax error');
      this.pos++;
      this.line++;
      for (;;) {
        if (this.pos >= t.length) this.fail('missing end of string');
        let eol = t.indexOf('\n', this.pos);
        if (eol < 0) eol = t.length;
        let l = t.slice(this.pos, eol);
        this.pos = Math.min(eol + 1, t.length);
        if (eol < t.length) this.line++;
        if (l.endsWith('\r')) l = l.slice(0, -1);
        if (l === '.') break;
        if (l.startsWith('..')) l = l.slice(1);
        out += l + '\n';
      }
      return this.decodeEncoded(out);
    }
    return undefined;
  }

  /** "encoded-character": ${hex:...} and ${unicode:...} in strings, once required. */
  private decodeEncoded(s: string): string {
    if (!this.required.has('encoded-character') || !s.includes('${')) return s;
    return s.replace(/\$\{(hex|unicode):\s*([0-9A-Fa-f\s]*)\}/gi, (whole, kind: string, digits: string) => {
      const items = digits.trim().split(/\s+/).filter((x) => x !== '');
      if (items.length === 0) return whole;
      if (lower(kind) === 'hex') {
        const bytes = Buffer.from(items.map((h) => parseInt(h, 16) & 0xff));
        return bytes.toString('utf8');
      }
      try {
        return String.fromCodePoint(...items.map((h) => parseInt(h, 16)));
      } catch {
        return this.fail('invalid unicode character');
      }
    });
  }

  /** A string list: ["a", "b"] or a single string; undefined when none comes next. */
  private stringList(): string[] | undefined {
    if (this.t[this.pos] !== '[') {
      const s = this.string();
      return s === undefined ? undefined : [s];
    }
    this.pos++;
    const out: string[] = [];
    this.white();
    if (this.punct(']')) return out;
    for (;;) {
      this.white();
      const s = this.string();
      if (s === undefined) this.fail('missing string list');
      out.push(s);
      this.white();
      if (this.punct(',')) continue;
      if (this.punct(']')) return out;
      this.fail('missing string list');
    }
  }

  private number(): number | undefined {
    // Only upper-case unit letters are taken (as Exim 4.98 does).
    const m = /^([0-9]+)([KMG]?)/.exec(this.t.slice(this.pos, this.pos + 40));
    if (!m) return undefined;
    this.pos += m[0].length;
    if (BigInt(m[1]) > 0x7fffffffffffffffn) this.fail('Numerical result out of range');
    const unit = m[2];
    return Number(m[1]) * (unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1);
  }

  private need(capability: string): void {
    if (!this.required.has(capability)) this.fail(`missing previous require "${capability}";`);
  }

  // ---- commands ----

  run(): void {
    this.white();
    while (this.identifier('require')) {
      this.white();
      const caps = this.stringList();
      if (caps === undefined) this.fail('capability string list expected');
      for (const c of caps) {
        // Exim knows "enotify" but, as built for Debian, never enables it.
        if (c === 'enotify') this.fail('enotify disabled');
        if (!CAPABILITIES.has(c)) this.fail('unknown capability');
        this.required.add(c);
      }
      this.semicolon();
      this.white();
    }
    try {
      this.commands(true);
      this.white();
      if (this.pos < this.t.length) this.fail('syntax error');
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  /** Commands up to something that is not a command; `exec` false only checks them. */
  private commands(exec: boolean): void {
    for (;;) {
      this.white();
      if (this.identifier('if')) this.ifCommand(exec);
      else if (this.identifier('stop')) {
        this.semicolon();
        if (exec) {
          this.debug('stop');
          throw new Stop();
        }
      } else if (this.identifier('keep')) {
        this.semicolon();
        if (exec) {
          this.debug(`keep`);
          this.file(this.env.inbox);
          this.implicitKeep = false;
        }
      } else if (this.identifier('discard')) {
        this.semicolon();
        if (exec) {
          this.debug('discard');
          this.implicitKeep = false;
        }
      } else if (this.identifier('redirect')) this.redirect(exec);
      else if (this.identifier('fileinto')) this.fileinto(exec);
      else if (this.identifier('vacation')) this.vacation(exec);
      else return;
    }
  }

  private debug(line: string): void {
    this.env.debug?.(line);
  }

  private file(folder: string): void {
    if (!this.deliveries.some((d) => d.kind === 'file' && d.path === folder)) this.deliveries.push({ kind: 'file', path: folder });
  }

  /** Any number of ":copy" tags (Exim accepts a repeated one). */
  private copyTag(): boolean {
    let copy = false;
    for (;;) {
      this.white();
      if (!this.identifier(':copy')) return copy;
      this.need('copy');
      copy = true;
    }
  }

  private redirect(exec: boolean): void {
    const copy = this.copyTag();
    this.white();
    const to = this.string();
    if (to === undefined) this.fail('missing redirect recipient string');
    // Only an "@" is required; a recipient that does not parse goes on as written.
    if (!to.includes('@')) this.fail('unqualified recipient address');
    const parsed = extractAddress(to);
    const address = 'error' in parsed ? to : parsed.address;
    this.semicolon();
    if (!exec) return;
    this.debug(`redirect \`${address}'${copy ? ' :copy' : ''}`);
    if (!this.deliveries.some((d) => d.kind === 'address' && d.address === address)) this.deliveries.push({ kind: 'address', address });
    if (!copy) this.implicitKeep = false;
  }

  private fileinto(exec: boolean): void {
    this.need('fileinto');
    const copy = this.copyTag();
    this.white();
    const folder = this.string();
    if (folder === undefined) this.fail('missing fileinto folder string');
    if (folder === '' || folder.includes('..')) this.fail('invalid folder');
    this.semicolon();
    if (!exec) return;
    this.debug(`fileinto \`${folder}'${copy ? ' :copy' : ''}`);
    this.file(folder);
    if (!copy) this.implicitKeep = false;
  }

  private ifCommand(exec: boolean): void {
    this.white();
    const cond = this.test(exec);
    if (cond === undefined) this.fail('missing test');
    this.block(exec && cond);
    let done = cond;
    for (;;) {
      this.white();
      if (this.identifier('elsif')) {
        this.white();
        const c = this.test(exec && !done);
        if (c === undefined) this.fail('missing test');
        this.block(exec && !done && c);
        done ||= c;
      } else if (this.identifier('else')) {
        this.block(exec && !done);
        return;
      } else return;
    }
  }

  private block(exec: boolean): void {
    this.white();
    if (!this.punct('{')) this.fail('missing block');
    this.commands(exec);
    this.white();
    if (!this.punct('}')) this.fail('expecting command or closing brace');
  }

  // ---- tests ----

  /** A test's value, or undefined when no test comes next. With `exec` false it is only checked (and false). */
  private test(exec: boolean): boolean | undefined {
    this.white();
    if (this.identifier('true')) return exec;
    if (this.identifier('false')) return false;
    if (this.identifier('not')) {
      const v = this.test(exec);
      if (v === undefined) this.fail('missing test');
      return exec && !v;
    }
    if (this.identifier('allof') || this.identifier('anyof')) {
      const all = lower(this.t.slice(this.pos - 5, this.pos)) === 'allof';
      this.white();
      if (!this.punct('(')) this.fail('missing test list');
      let result = all;
      for (;;) {
        // Shortcut evaluation: once decided, the rest is only checked.
        const decided = all ? !result : result;
        const v = this.test(exec && !decided);
        if (v === undefined) this.fail('missing test');
        if (!decided) result = all ? result && v : result || v;
        this.white();
        if (this.punct(',')) continue;
        if (this.punct(')')) break;
        this.fail('missing closing paren');
      }
      return exec && result;
    }
    if (this.identifier('exists')) {
      this.white();
      const names = this.stringList();
      if (names === undefined) this.fail('header string list expected');
      // Exim looks each name up as a $h_ expansion: a name that cannot be one fails, an empty one does not exist.
      for (const n of names) if (/[\0-\x20\x7f:]/.test(n)) this.fail('header string expansion failed');
      return exec && names.every((n) => n !== '' && headerContents(this.env.ctx, n).length > 0);
    }
    if (this.identifier('size')) {
      this.white();
      let over: boolean;
      if (this.identifier(':over')) over = true;
      else if (this.identifier(':under')) over = false;
      else this.fail('missing :over or :under');
      this.white();
      const n = this.number();
      if (n === undefined) this.fail('missing number');
      const size = Number(this.env.ctx.vars.get('message_size')?.value ?? '0');
      return exec && (over ? size > n : size < n);
    }
    if (this.identifier('header')) return this.headerTest(exec);
    if (this.identifier('address')) return this.addressTest(exec, false);
    if (this.identifier('envelope')) {
      this.need('envelope');
      return this.addressTest(exec, true);
    }
    return undefined;
  }

  /** The tagged arguments of address, header and envelope tests, in any order. */
  private tags(allowPart: boolean): MatchSpec {
    let part: AddressPart | undefined;
    let comparator: Comparator | undefined;
    let type: MatchType | undefined;
    for (;;) {
      this.white();
      if (allowPart) {
        const p = ([':all', ':localpart', ':domain', ':user', ':detail'] as const).find((x) => this.identifier(x));
        if (p) {
          if (part) this.fail('address part already specified');
          if (p === ':user' || p === ':detail') this.need('subaddress');
          part = p;
          continue;
        }
      }
      if (this.identifier(':comparator')) {
        if (comparator) this.fail('comparator already specified');
        this.white();
        const name = this.string();
        if (name === undefined) this.fail('missing comparator');
        comparator = this.comparator(name);
        continue;
      }
      const m = ([':is', ':contains', ':matches'] as const).find((x) => this.identifier(x));
      if (m) {
        if (type) this.fail('match type already specified');
        type = m;
        continue;
      }
      return { part: part ?? ':all', comparator: comparator ?? 'i;ascii-casemap', type: type ?? ':is' };
    }
  }

  /** i;ascii-numeric offers only :is. */
  private checkMatchType(spec: MatchSpec): void {
    if (spec.comparator === 'i;ascii-numeric' && spec.type !== ':is') this.fail('comparator does not offer specified matchtype');
  }

  private comparator(name: string): Comparator {
    switch (lower(name)) {
      case 'i;octet': return 'i;octet';
      case 'i;ascii-casemap': case 'en;ascii-casemap': return 'i;ascii-casemap';
      case 'i;ascii-numeric':
        this.need('comparator-i;ascii-numeric');
        return 'i;ascii-numeric';
      default: return this.fail('invalid comparator');
    }
  }

  /** A header name must be printable, without a colon; an empty one is invalid too. */
  private checkHeaderName(name: string): void {
    if (name === '' || /[\0-\x20\x7f:]/.test(name)) this.fail('invalid header field');
  }

  /** The decoded values of a header, unfolded and trimmed. */
  private headerValues(name: string): string[] {
    const decode = OPERATORS.get('rfc2047d');
    return headerContents(this.env.ctx, name).map((v) => {
      let s = v.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '').trim();
      if (decode && s.includes('=?')) {
        try {
          s = decode(s, this.env.ctx);
        } catch {
          // an undecodable word stays as it is
        }
      }
      return s;
    });
  }

  private headerTest(exec: boolean): boolean {
    const spec = this.tags(false);
    this.white();
    const names = this.stringList();
    if (names === undefined) this.fail('header string list expected');
    this.white();
    const keys = this.stringList();
    if (keys === undefined) this.fail('key string list expected');
    this.checkMatchType(spec);
    for (const n of names) this.checkHeaderName(n);
    if (!exec) return false;
    for (const n of names) {
      for (const v of this.headerValues(n)) {
        if (keys.some((k) => sieveMatch(v, k, spec.type, spec.comparator))) return true;
      }
    }
    return false;
  }

  private addressTest(exec: boolean, envelope: boolean): boolean {
    const spec = this.tags(true);
    this.white();
    const names = this.stringList();
    if (names === undefined) this.fail(envelope ? 'envelope string list expected' : 'header string list expected');
    this.white();
    const keys = this.stringList();
    if (keys === undefined) this.fail('key string list expected');
    this.checkMatchType(spec);
    for (const n of names) {
      if (envelope) {
        if (lower(n) !== 'from' && lower(n) !== 'to') this.fail('invalid envelope string');
      } else {
        this.checkHeaderName(n);
        if (!ADDRESS_HEADERS.has(lower(n))) this.fail('invalid header field');
      }
    }
    if (!exec) return false;
    for (const n of names) {
      const envelopeTo = envelope && lower(n) === 'to';
      for (const address of envelope ? this.envelopeAddresses(lower(n)) : this.headerValues(n).flatMap(addressesIn)) {
        const part = envelopeTo && (spec.part === ':user' || spec.part === ':detail') ? this.recipientPart(spec.part) : this.addressPart(address, spec.part);
        if (part !== undefined && keys.some((k) => sieveMatch(part, k, spec.type, spec.comparator))) return true;
      }
    }
    return false;
  }

  private envelopeAddresses(which: string): string[] {
    const v = (n: string): string => this.env.ctx.vars.get(n)?.value ?? '';
    if (which === 'from') return [v('sender_address')];
    return [`${v('local_part_prefix')}${v('local_part')}${v('local_part_suffix')}@${v('domain')}`];
  }

  /** The recipient's :user and :detail come from sieve_useraddress (else the whole local part) and sieve_subaddress. */
  private recipientPart(part: ':user' | ':detail'): string | undefined {
    const v = (n: string): string => this.env.ctx.vars.get(n)?.value ?? '';
    if (part === ':detail') return this.env.subaddress;
    return this.env.useraddress ?? `${v('local_part_prefix')}${v('local_part')}${v('local_part_suffix')}`;
  }

  private addressPart(address: string, part: AddressPart): string | undefined {
    const at = address.lastIndexOf('@');
    const local = at < 0 ? address : address.slice(0, at);
    switch (part) {
      case ':all': return address;
      case ':localpart': return local;
      case ':domain': return at < 0 ? '' : address.slice(at + 1);
      // Exim 4.98 splits no separator out of an address: :user is the whole local part, :detail is absent.
      case ':user': return local;
      case ':detail': return undefined;
    }
  }

  // ---- vacation ----

  private vacation(exec: boolean): void {
    this.need('vacation');
    let days = 7;
    let subject: string | undefined;
    let from: string | undefined;
    let addresses: string[] = [];
    let mime = false;
    let handle: string | undefined;
    for (;;) {
      this.white();
      if (this.identifier(':days')) {
        this.white();
        const n = this.number();
        if (n === undefined) this.fail('missing number');
        days = Math.min(31, Math.max(1, n));
      } else if (this.identifier(':subject')) {
        this.white();
        subject = this.string() ?? this.fail('missing subject');
      } else if (this.identifier(':from')) {
        this.white();
        from = this.string() ?? this.fail('missing from string');
      } else if (this.identifier(':addresses')) {
        this.white();
        addresses = this.stringList() ?? this.fail('missing addresses');
      } else if (this.identifier(':mime')) mime = true;
      else if (this.identifier(':handle')) {
        this.white();
        handle = this.string() ?? this.fail('missing handle');
      } else break;
    }
    const reason = this.string();
    if (reason === undefined) this.fail('missing reason string');
    this.semicolon();
    if (!exec) return;
    const dir = this.env.vacationDirectory;
    if (dir === undefined || dir === '') {
      // Testing a file with -bf does not need the router's vacation directory.
      if (this.env.test) return;
      this.fail('vacation disabled');
    }
    const ctx = this.env.ctx;
    const v = (n: string): string => ctx.vars.get(n)?.value ?? '';
    const sender = ctx.vars.get('return_path')?.value ?? ctx.vars.get('sender_address')?.value;
    const personal = isPersonal({
      headers: ctx.headers ?? [], localPart: v('local_part'), domain: v('domain'), prefix: v('local_part_prefix'),
      suffix: v('local_part_suffix'), sender, aliases: addresses, scanCc: true,
    });
    this.debug(`vacation${personal ? '' : ' (not personal: no reply)'}`);
    if (!personal || sender === undefined || sender === '') return;
    const key = handle ?? createHash('md5').update(`${reason}:${subject ?? ''}:${mime ? 'mime' : ''}:${from ?? ''}`).digest('hex');
    const original = this.headerValues('subject')[0];
    let text = reason;
    let headers: string | undefined;
    if (mime) {
      // The reason holds its own MIME header lines, then a blank line, then the body.
      const split = reason.indexOf('\n\n');
      headers = split < 0 ? reason : reason.slice(0, split);
      text = split < 0 ? '' : reason.slice(split + 2);
    } else headers = 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable';
    this.deliveries.push({
      kind: 'reply',
      reply: {
        to: sender, from, subject: subject ?? (original ? `Auto: ${original}` : 'Automated reply'), headers, text,
        fileExpand: false, once: `${dir}/${key}`, onceRepeat: days * 86400, returnMessage: false,
      },
    });
  }
}

/** The working addresses of a header value (group syntax allowed). */
function addressesIn(value: string): string[] {
  const out: string[] = [];
  const group: GroupState = { allowGroup: true, foundGroup: false };
  let pos = 0;
  while (pos <= value.length) {
    const end = findAddressEnd(value, pos);
    const r = extractAddress(value.slice(pos, end), false, group);
    if (!('error' in r) && r.address !== '') out.push(r.address);
    pos = end + 1;
  }
  return out;
}

/**
 * Run a Sieve filter. The outcome is always "delivered" (Sieve decides the
 * whole fate of the message): with an implicit keep, the inbox is one of
 * the deliveries; with none at all the message is discarded. An error
 * keeps the message in the inbox and is given as `message`.
 */
export async function runSieveFilter(text: string, env: SieveEnv): Promise<FilterResult> {
  const s = new Sieve(text, env);
  const base = { headersAdded: [], headersRemoved: [], n: [] };
  try {
    s.run();
  } catch (e) {
    if (!(e instanceof SieveError)) throw e;
    const message = `${e.message} in line ${e.line}`;
    env.test?.print(`Sieve error: ${message}`);
    env.debug?.(`Sieve error: ${message}`);
    return { outcome: 'delivered', message, deliveries: [{ kind: 'file', path: env.inbox }], ...base };
  }
  env.test?.print(s.implicitKeep ? 'Implicit keep' : 'No implicit keep');
  const deliveries = [...s.deliveries];
  if (s.implicitKeep && !deliveries.some((d) => d.kind === 'file' && d.path === env.inbox)) deliveries.push({ kind: 'file', path: env.inbox });
  return { outcome: 'delivered', deliveries, ...base };
}
