// Obey a parsed Exim filter (filter.xfpt, chapter "Exim filter files").
// Strings are expanded when their command is obeyed; deliveries are only
// recorded. In test mode (-bf/-bF) each action is printed in Exim's words
// instead, and "logwrite" writes nothing.

import fs from 'node:fs';
import type { ExpandContext } from '../../expand/context.ts';
import { expandStringAsyncWithTaint, ExpandError } from '../../expand/index.ts';
import { extractAddress, findAddressEnd, type GroupState } from '../../expand/operators/address.ts';
import { encodeBytes } from '../../expand/operators/bytes.ts';
import { readTime } from '../../config/values.ts';
import { compileRegex, RegexError } from '../../regex/index.ts';
import { forbiddenItem, type ForbiddenItems } from '../forbid.ts';
import { isPersonal } from '../personal.ts';
import { filterPrinting } from '../printing.ts';
import type { AutoReply, FilterDelivery, FilterResult } from '../types.ts';
import { setFilterCounters, whileFiltering } from '../variables.ts';
import { MAIL_ARGS, type Command, type Condition, type MailArg } from './ast.ts';
import { parseEximFilter } from './parse.ts';
import { FilterSyntaxError } from './reader.ts';

export interface EximFilterEnv {
  ctx: ExpandContext;
  /** The system filter: fail/freeze/defer and headers add/remove are available, "personal" is false. */
  systemFilter?: boolean;
  allowDefer?: boolean;
  allowFail?: boolean;
  allowFreeze?: boolean;
  /** -bf/-bF: print each action (and, with `debug`, each condition) instead of setting it up. */
  test?: { print(line: string): void };
  /** -v with -bf, or filter debugging: condition results. */
  debug?(line: string): void;
  /** What "logwrite" does: write to the file, do nothing (verifying, testing), or fail (forbid_filter_logwrite). */
  log: 'write' | 'skip' | 'forbid';
  /** Prepend $home to a relative "save" path (filter_prepend_home). */
  prependHome?: boolean;
  /** Qualify an unqualified address from "deliver". */
  qualify(localPart: string): string;
  /** A message is being delivered (Exim's message_id is set): error_message and manually_thawed can be true. */
  haveMessage?: boolean;
  firstDelivery?: boolean;
  manuallyThawed?: boolean;
  /** Expansion items the router forbids (forbid_filter_*): checked before each expansion. */
  forbid?: ForbiddenItems;
}

/** An error found while obeying the filter: ends it with "error". */
class FilterRunError extends Error {}

/** A command that ends filtering early (finish, defer, fail, freeze). */
type Stop = { stop: 'finish' } | { stop: 'defer' | 'fail' | 'freeze'; message: string };

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Exim's sscanf("%i") then an optional K and M multiplier: decimal, 0x hex or 0 octal. */
function filterNumber(s: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kK]?)([mM]?)\s*$/.exec(s);
  if (!m) return undefined;
  const d = m[2];
  let n = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d[0] === '0' ? parseInt(d, 8) : Number(d);
  if (m[1] === '-') n = -n;
  if (m[3]) n *= 1024;
  if (m[4]) n *= 1024 * 1024;
  return n | 0;
}

/** strtol(s, &end, 0) that must use the whole string. */
function strtol0(s: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const d = m[2];
  const n = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 ? parseInt(d, 8) : Number(d);
  return (m[1] === '-' ? -n : n) | 0;
}

class Interpreter {
  private readonly env: EximFilterEnv;
  private readonly ctx: ExpandContext;
  private delivered = false;
  private indent = 0;
  private readonly n = new Array<number>(10).fill(0);
  private logFile: string | undefined;
  private logMode = 0o600;
  readonly deliveries: FilterDelivery[] = [];
  readonly headersAdded: string[] = [];
  readonly headersRemoved: string[] = [];

  constructor(env: EximFilterEnv) {
    this.env = env;
    this.ctx = env.ctx;
  }

  get counters(): number[] {
    return [...this.n];
  }

  get significant(): boolean {
    return this.delivered;
  }

  private print(line: string): void {
    this.env.test?.print(line);
  }

  /** A -v line: Exim's debug output starts each line with a space, then the nesting indent. */
  private debug(line: string, indented = true): void {
    this.env.debug?.(' ' + (indented ? ' '.repeat(this.indent) : '') + line);
  }

  private async expand(text: string, what: () => string): Promise<string> {
    const forbidden = forbiddenItem(text, this.env.forbid);
    if (forbidden) throw new FilterRunError(`failed to expand "${text}" ${what()}: ${forbidden}`);
    try {
      return (await expandStringAsyncWithTaint(text, this.ctx)).value;
    } catch (e) {
      if (e instanceof ExpandError) throw new FilterRunError(`failed to expand "${text}" ${what()}: ${e.message}`);
      throw e;
    }
  }

  /** Obey a list of commands; a Stop when one of them ends the filter. */
  async obey(commands: readonly Command[]): Promise<Stop | undefined> {
    for (const c of commands) {
      const stop = await this.obeyOne(c);
      if (stop) return stop;
    }
    return undefined;
  }

  private async obeyOne(c: Command): Promise<Stop | undefined> {
    const inCommand = (): string => `in ${c.kind} command`;
    const ex = (s: string): Promise<string> => this.expand(s, inCommand);
    const noerror = c.noerror ? ' (noerror)' : '';
    switch (c.kind) {
      case 'add': {
        const value = await ex(c.value);
        const variable = await ex(c.variable);
        if (variable.length !== 2 || variable[0] !== 'n' || !/[0-9]/.test(variable[1])) {
          throw new FilterRunError(`unknown variable "${variable}" in "add" command`);
        }
        let v = value;
        // A negated negative value ("-$n0" with $n0 negative) reads as positive.
        while (v.startsWith('--')) v = v.slice(2);
        const n = strtol0(v);
        if (n === undefined) throw new FilterRunError(`malformed number "${v}" in "add" command`);
        const i = Number(variable[1]);
        this.n[i] = (this.n[i] + n) | 0;
        setFilterCounters(this.ctx, 'n', this.n);
        this.print(`Add ${n} to n${i}`);
        return undefined;
      }
      case 'deliver': {
        const address = this.checkAddress(await ex(c.address));
        const errorsTo = c.errorsTo === undefined ? undefined : this.checkAddress(await ex(c.errorsTo));
        if (c.seen) this.delivered = true;
        if (errorsTo !== undefined && !this.env.systemFilter) {
          const own = `${this.ctx.vars.get('local_part')?.value ?? ''}@${this.ctx.vars.get('domain')?.value ?? ''}`;
          if (lower(own) !== lower(errorsTo)) throw new FilterRunError("errors_to must point to the caller's address");
        }
        const et = errorsTo === undefined ? '' : ` errors_to ${errorsTo}`;
        if (this.env.test) this.print(`${c.seen ? 'D' : 'Unseen d'}eliver message to: ${address}${noerror}${et}`);
        else this.deliveries.push({ kind: 'address', address, errorsTo, noerror: c.noerror });
        return undefined;
      }
      case 'save': {
        let path = await ex(c.path);
        if (c.seen) this.delivered = true;
        if (this.env.test) {
          const mode = c.mode === undefined ? '' : ' ' + c.mode.toString(8).padStart(4, '0');
          this.print(`${c.seen ? 'S' : 'Unseen s'}ave message to: ${path}${mode}${noerror}`);
        } else {
          const home = this.ctx.vars.get('home')?.value ?? '';
          if (!path.startsWith('/') && home !== '' && this.env.prependHome !== false) path = `${home}/${path}`;
          this.deliveries.push({ kind: 'file', path, mode: c.mode, noerror: c.noerror });
        }
        return undefined;
      }
      case 'pipe': {
        if (c.seen) this.delivered = true;
        if (this.env.test) {
          this.print(`${c.seen ? 'P' : 'Unseen p'}ipe message to: ${c.command}${noerror}`);
        } else {
          // Not expanded here: the transport splits the command, then expands each argument.
          const command = c.command.startsWith('|') ? c.command : '|' + c.command;
          const caps = this.ctx.numericVars?.caps;
          this.deliveries.push({ kind: 'pipe', command, noerror: c.noerror, thisAddress: this.ctx.vars.get('thisaddress')?.value, numeric: caps ? [...caps] : undefined });
        }
        return undefined;
      }
      case 'logfile': {
        const path = await ex(c.path);
        if (c.seen) this.delivered = true;
        this.logFile = path;
        this.logMode = c.mode ?? 0o600;
        this.print(`${c.seen ? 'Seen l' : 'L'}ogfile ${path}`);
        return undefined;
      }
      case 'logwrite': {
        const text = await ex(c.text);
        if (c.seen) this.delivered = true;
        if (this.env.test) {
          this.print(`${c.seen ? 'Seen l' : 'L'}ogwrite "${filterPrinting(text)}"`);
          return undefined;
        }
        if (this.env.log === 'forbid') throw new FilterRunError('logwrite command forbidden');
        if (this.env.log === 'skip') return undefined;
        if (this.logFile === undefined) throw new FilterRunError('attempt to obey "logwrite" command without a previous "logfile"');
        try {
          fs.appendFileSync(this.logFile, encodeBytes(text), { mode: this.logMode });
        } catch (e) {
          throw new FilterRunError(`failed to open filter log file "${this.logFile}": ${(e as Error).message}`);
        }
        return undefined;
      }
      case 'testprint': {
        const text = await ex(c.text);
        this.print(`Testprint: ${filterPrinting(text)}`);
        return undefined;
      }
      case 'headers': {
        const value = await ex(c.value);
        this.print(`Headers ${c.op} "${filterPrinting(value)}"`);
        this.headersChange(c.op, value);
        return undefined;
      }
      case 'defer':
      case 'fail':
      case 'freeze': {
        let text = await ex(c.text);
        if (text.length > 1024) text = text.slice(0, 1000) + ' ... (truncated)';
        text = filterPrinting(text);
        this.print(`${c.kind[0].toUpperCase()}${c.kind.slice(1)} text "${text}"`);
        return { stop: c.kind, message: text };
      }
      case 'finish':
        if (c.seen) this.delivered = true;
        this.print(`${c.seen ? 'Seen f' : 'F'}inish`);
        return { stop: 'finish' };
      case 'if': {
        const saved = this.ctx.vars.get('thisaddress');
        try {
          let body = c.otherwise;
          for (const b of c.branches) {
            if (await this.test(b.cond, true)) {
              body = b.body;
              break;
            }
          }
          this.indent += 2;
          try {
            return await this.obey(body);
          } finally {
            this.indent -= 2;
          }
        } finally {
          if (saved) this.ctx.vars.set('thisaddress', saved);
          else this.ctx.vars.delete('thisaddress');
        }
      }
      case 'mail':
      case 'vacation':
        await this.mail(c);
        return undefined;
    }
  }

  /** "headers add/remove/charset": the change is seen by later expansions in this filter. */
  private headersChange(op: 'add' | 'remove' | 'charset', value: string): void {
    // "headers charset" would change how $h_ decodes for the rest of the run; tern's
    // decoder always produces UTF-8, so the setting has no effect yet.
    if (op === 'charset') return;
    const headers = (this.ctx.headers ??= []);
    if (op === 'add') {
      const line = value.replace(/^\s+/, '');
      if (line === '') return;
      const text = line.endsWith('\n') ? line : line + '\n';
      headers.push(text);
      this.headersAdded.push(text);
      return;
    }
    for (const name of value.split(':').map((s) => s.trim()).filter((s) => s !== '')) {
      this.headersRemoved.push(name);
      const want = lower(name);
      for (let i = headers.length - 1; i >= 0; i--) {
        const colon = headers[i].indexOf(':');
        if (colon > 0 && lower(headers[i].slice(0, colon).trimEnd()) === want) headers.splice(i, 1);
      }
    }
  }

  private checkAddress(s: string): string {
    const r = extractAddress(s);
    if ('error' in r) throw new FilterRunError(`malformed address "${s}" in filter file: ${r.error}`);
    return r.domainStart === 0 && r.address !== '' ? this.env.qualify(r.address) : r.address;
  }

  private async mail(c: Extract<Command, { kind: 'mail' | 'vacation' }>): Promise<void> {
    const values: Partial<Record<MailArg, string>> = {};
    for (const k of MAIL_ARGS) {
      const raw = c.args[k];
      if (raw !== undefined) values[k] = await this.expand(raw, () => `in ${c.kind} command`);
    }
    if (c.seen) this.delivered = true;
    // With no message (address testing), an unknown return path counts as set.
    const returnPath = this.ctx.vars.get('return_path')?.value ?? this.ctx.vars.get('sender_address')?.value;
    if (returnPath === '') {
      this.print(`${c.kind} command ignored because return_path is empty`);
      return;
    }
    for (const k of MAIL_ARGS) {
      const s = values[k];
      if (s !== undefined) this.checkMailArg(c.kind, k, s);
    }
    const noerror = c.noerror ? ' (noerror)' : '';
    if (this.env.test) {
      this.print(`${c.seen ? 'Seen m' : 'M'}ail to: ${values.to ?? '<default>'}${c.kind === 'vacation' ? ' (vacation)' : ''}${noerror}`);
      for (const k of MAIL_ARGS) {
        const v = values[k];
        if (k === 'to' || v === undefined) continue;
        const pad = ' '.repeat(Math.max(0, 7 + (this.env.debug ? this.indent : 0) - k.length));
        this.print(`${pad}${k}: ${filterPrinting(v)}${c.expandFile && k === 'file' ? ' (expanded)' : ''}`);
      }
      if (c.returnMessage) this.print('Return original message');
      return;
    }
    let to = values.to ?? (await this.expand('$reply_address', () => `in ${c.kind} command`));
    to = to.replace(/^\s+/, '').replace(/\n/g, ' ');
    let onceRepeat = 0;
    if (values.once_repeat !== undefined) {
      onceRepeat = readTime(values.once_repeat);
      if (onceRepeat < 0) throw new FilterRunError(`Bad time value for "once_repeat" in mail or vacation command: ${values.once_repeat}`);
    }
    const reply: AutoReply = {
      to, cc: values.cc, bcc: values.bcc, from: values.from, replyTo: values.reply_to, subject: values.subject,
      headers: values.extra_headers, text: values.text, file: values.file, fileExpand: c.expandFile,
      log: values.log, once: values.once, onceRepeat, returnMessage: c.returnMessage,
    };
    this.deliveries.push({ kind: 'reply', reply, noerror: c.noerror });
  }

  /** Header-line arguments may hold newlines only before white space; file names only printing characters. */
  private checkMailArg(command: string, k: MailArg, s: string): void {
    if (k === 'text') return;
    if (k === 'file' || k === 'log' || k === 'once' || k === 'once_repeat') {
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) throw new FilterRunError(`non-printing character in "${filterPrinting(s)}" in ${command} command`);
      return;
    }
    for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
      const next = s[i + 1];
      if (next === ' ' || next === '\t' || next === '\n' || next === '\r') continue;
      const shown = filterPrinting(s).slice(0, 1024);
      if (k !== 'extra_headers') throw new FilterRunError(`\\n not followed by space in "${shown}" in ${command} command`);
      if (!/^[^\s:]+:/.test(s.slice(i + 1))) throw new FilterRunError(`\\n not followed by space or valid header name in "${shown}" in ${command} command`);
    }
  }

  /** Test a condition; at the top level of an "if" the result is traced with -v. */
  private async test(c: Condition, toplevel: boolean): Promise<boolean> {
    const yes = await this.evaluate(c);
    if (this.env.debug) this.debug(`${toplevel ? 'C' : 'Sub-c'}ondition is ${yes === c.testFor ? 'true' : 'false'}: ${describe(c, true)} `);
    return yes === c.testFor;
  }

  /** The condition's value before "not" is applied. */
  private async evaluate(c: Condition): Promise<boolean> {
    switch (c.kind) {
      case 'and':
        return (await this.test(c.left, false)) && this.test(c.right, false);
      case 'or':
        return (await this.test(c.left, false)) || this.test(c.right, false);
      case 'personal': {
        if (this.env.systemFilter) return false;
        const v = (n: string): string => this.ctx.vars.get(n)?.value ?? '';
        const sender = this.ctx.vars.get('sender_address')?.value;
        return isPersonal({
          headers: this.ctx.headers ?? [], localPart: v('local_part'), domain: v('domain'),
          prefix: v('local_part_prefix'), suffix: v('local_part_suffix'), sender, aliases: c.aliases,
        });
      }
      case 'delivered':
        return this.delivered;
      case 'error_message':
        return this.env.haveMessage === true && (this.ctx.vars.get('sender_address')?.value ?? '') === '';
      case 'first_delivery':
        return this.env.test !== undefined || !this.env.haveMessage || this.env.firstDelivery !== false;
      case 'manually_thawed':
        return this.env.haveMessage === true && this.env.manuallyThawed === true;
      case 'foranyaddress': {
        const list = await this.expand(c.list, () => 'in filter file');
        const group: GroupState = { allowGroup: true, foundGroup: false };
        let pos = 0;
        while (pos < list.length) {
          const end = findAddressEnd(list, pos);
          const r = extractAddress(list.slice(pos, end), false, group);
          if (!('error' in r)) {
            this.ctx.vars.set('thisaddress', { value: r.address, tainted: true });
            this.debug(`Extracted address ${r.address}`);
            if (await this.test(c.inner, false)) return true;
          }
          if (end >= list.length) break;
          pos = end + 1;
        }
        return false;
      }
      default: {
        const left = await this.expand(c.left, () => 'in filter file');
        const right = await this.expand(c.right, () => 'in filter file');
        switch (c.kind) {
          case 'is': return lower(left) === lower(right);
          case 'IS': return left === right;
          case 'contains': return lower(left).includes(lower(right));
          case 'CONTAINS': return left.includes(right);
          case 'begins': return lower(left).startsWith(lower(right));
          case 'BEGINS': return left.startsWith(right);
          case 'ends': return lower(left).endsWith(lower(right));
          case 'ENDS': return left.endsWith(right);
          case 'matches':
          case 'MATCHES': {
            this.debug('Match expanded arguments:', false);
            this.debug(`  Subject = ${left}`, false);
            this.debug(`  Pattern = ${right}`, false);
            let re;
            try {
              re = compileRegex(right, { caseless: c.kind === 'matches' });
            } catch (e) {
              if (e instanceof RegexError) throw new FilterRunError(e.message);
              throw e;
            }
            const caps = re.exec(left);
            if (!caps) return false;
            this.ctx.numericVars = { caps, tainted: true };
            return true;
          }
          case 'above':
          case 'below': {
            const a = filterNumber(left);
            if (a === undefined) throw new FilterRunError(`malformed numerical string "${left}"`);
            const b = filterNumber(right);
            if (b === undefined) throw new FilterRunError(`malformed numerical string "${right}"`);
            return c.kind === 'above' ? a > b : a < b;
          }
        }
      }
    }
  }
}

const NOT_NAMES: Record<string, string> = {
  personal: 'not personal', begins: 'does not begin', BEGINS: 'does not BEGIN', ends: 'does not end', ENDS: 'does not END',
  is: 'is not', IS: 'IS not', matches: 'does not match', MATCHES: 'does not MATCH', contains: 'does not contain',
  CONTAINS: 'does not CONTAIN', delivered: 'not delivered', above: 'not above', below: 'not below',
  error_message: 'not error_message', first_delivery: 'not first_delivery', manually_thawed: 'not manually_thawed',
  foranyaddress: 'not foranyaddress',
};

/** A condition as -v shows it: unexpanded operands, "and"/"or" with brackets where nested. */
function describe(c: Condition, toplevel: boolean): string {
  const name = c.testFor ? c.kind : NOT_NAMES[c.kind] ?? c.kind;
  switch (c.kind) {
    case 'and': {
      const inner = `${describe(c.left, false)} and ${describe(c.right, false)}`;
      return c.testFor ? inner : `not (${inner})`;
    }
    case 'or': {
      const inner = `${describe(c.left, false)} or ${describe(c.right, false)}`;
      return !c.testFor ? `not (${inner})` : toplevel ? inner : `(${inner})`;
    }
    case 'foranyaddress':
      return `${name} ${c.list} (${describe(c.inner, false)})`;
    case 'personal': case 'delivered': case 'error_message': case 'first_delivery': case 'manually_thawed':
      return name;
    default:
      return `${c.left} ${name} ${c.right}`;
  }
}

/** What "Filtering ..." line ends a test run for each outcome. */
export function outcomeText(r: FilterResult): string {
  switch (r.outcome) {
    case 'defer': return 'Filtering ended by "defer".';
    case 'freeze': return 'Filtering ended by "freeze".';
    case 'fail': return 'Filtering ended by "fail".';
    case 'delivered': return 'Filtering set up at least one significant delivery or other action.\nNo other deliveries will occur.';
    case 'not-delivered': return 'Filtering did not set up a significant delivery.\nNormal delivery will occur.';
    case 'error': return `Filter error: ${r.message ?? ''}`;
  }
}

/**
 * Parse and obey an Exim filter. Syntax and run-time errors give the
 * outcome "error" with Exim's message. In test mode the closing
 * "Filtering ..." line is printed too.
 */
export function runEximFilter(text: string, env: EximFilterEnv): Promise<FilterResult> {
  return whileFiltering(env.ctx, () => interpret(text, env));
}

async function interpret(text: string, env: EximFilterEnv): Promise<FilterResult> {
  const it = new Interpreter(env);
  const savedCaps = env.ctx.numericVars;
  let result: FilterResult;
  const base = (): Omit<FilterResult, 'outcome'> => ({ deliveries: it.deliveries, headersAdded: it.headersAdded, headersRemoved: it.headersRemoved, n: it.counters });
  try {
    const commands = parseEximFilter(text, { systemFilter: env.systemFilter, allowDefer: env.allowDefer, allowFail: env.allowFail, allowFreeze: env.allowFreeze });
    const stop = await it.obey(commands);
    if (stop && stop.stop !== 'finish') result = { outcome: stop.stop, message: stop.message, ...base() };
    else result = { outcome: it.significant ? 'delivered' : 'not-delivered', ...base() };
  } catch (e) {
    if (!(e instanceof FilterSyntaxError || e instanceof FilterRunError)) throw e;
    result = { outcome: 'error', message: e.message, ...base() };
  } finally {
    env.ctx.numericVars = savedCaps;
  }
  if (env.test) env.test.print(outcomeText(result));
  return result;
}
