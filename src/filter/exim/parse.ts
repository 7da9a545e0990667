// Parse an Exim filter file into commands (ast.ts). The whole file is read
// before anything is obeyed, so a syntax error anywhere means no action at
// all, as in Exim; the error texts are Exim's.

import { MAIL_ARGS, type Command, type Condition, type MailArg, type StringTest } from './ast.ts';
import { FilterSyntaxError, Reader } from './reader.ts';

export interface ParseOptions {
  /** A system filter: "headers add/remove" are allowed. */
  systemFilter?: boolean;
  allowDefer?: boolean;
  allowFail?: boolean;
  allowFreeze?: boolean;
}

/** Words that may follow the left operand of a comparison, and the test each stands for. */
const COMPARISONS: Record<string, StringTest | 'above' | 'below'> = {
  BEGIN: 'BEGINS', BEGINS: 'BEGINS', CONTAIN: 'CONTAINS', CONTAINS: 'CONTAINS', END: 'ENDS', ENDS: 'ENDS',
  IS: 'IS', MATCH: 'MATCHES', MATCHES: 'MATCHES', above: 'above', begin: 'begins', begins: 'begins',
  below: 'below', contain: 'contains', contains: 'contains', end: 'ends', ends: 'ends', is: 'is',
  match: 'matches', matches: 'matches',
};

/** Commands whose deliveries are significant unless "unseen" says otherwise. */
const SEEN_BY_DEFAULT = new Set(['deliver', 'save', 'pipe']);

type Terminator = 'elif' | 'else' | 'endif' | 'eof';

class Parser {
  private readonly r: Reader;
  private readonly opts: ParseOptions;
  /** "seen"/"unseen" given before the next command, and its value. */
  private seenForce = false;
  private seenValue = false;
  private noerrorForce = false;

  constructor(text: string, opts: ParseOptions) {
    this.r = new Reader(text);
    this.opts = opts;
  }

  private fail(message: string): never {
    throw new FilterSyntaxError(message);
  }

  file(): Command[] {
    this.r.skip();
    return this.list(false).commands;
  }

  /** A list of commands; inside an "if" it must end with elif, else or endif. */
  private list(conditional: boolean): { commands: Command[]; end: Terminator } {
    const commands: Command[] = [];
    while (!this.r.atEnd) {
      const end = this.command(commands, conditional);
      this.r.skip();
      if (end) return { commands, end };
    }
    if (conditional) this.fail('"endif" missing at end of filter file');
    return { commands, end: 'eof' };
  }

  /** Read one command into `out`; returns the terminator word when it ends an "if" list. */
  private command(out: Command[], conditional: boolean): Terminator | undefined {
    const r = this.r;
    let word: string;
    if (r.text.startsWith('if(', r.pos)) {
      word = 'if';
      r.pos += 2;
    } else if (r.text.startsWith('elif(', r.pos)) {
      word = 'elif';
      r.pos += 4;
    } else word = r.word(false);
    const flagged = word === 'seen' || word === 'unseen' || word === 'noerror';
    const result = this.commandBody(word, out, conditional);
    if (!flagged) {
      this.seenForce = false;
      this.noerrorForce = false;
    }
    return result;
  }

  private flags(kind: string): { seen: boolean; noerror: boolean; line: number } {
    return { seen: this.seenForce ? this.seenValue : SEEN_BY_DEFAULT.has(kind), noerror: this.noerrorForce, line: this.r.line };
  }

  private commandBody(word: string, out: Command[], conditional: boolean): Terminator | undefined {
    const r = this.r;
    switch (word) {
      case 'add':
      case 'headers':
      case 'deliver':
      case 'logfile':
      case 'logwrite':
      case 'pipe':
      case 'save':
      case 'testprint': {
        if ((word === 'add' || word === 'headers') && (this.seenForce || this.noerrorForce)) {
          this.fail(`"seen", "unseen", or "noerror" found before an "${word}" command near line ${r.line}`);
        }
        const arg = r.item(false);
        if (arg === '') this.fail(`"${word}" requires an argument near line ${r.line} of filter file`);
        out.push(this.singleArgCommand(word, arg));
        return undefined;
      }
      case 'elif':
      case 'else':
      case 'endif':
        if (!conditional) this.fail(`unexpected "${word}" command near line ${r.line} of filter file`);
        return word;
      case 'defer':
      case 'fail':
      case 'freeze': {
        const allowed = word === 'defer' ? this.opts.allowDefer : word === 'fail' ? this.opts.allowFail : this.opts.allowFreeze;
        if (!allowed) this.fail(`filtering command "${word}" is disabled: near line ${r.line} of filter file`);
        // The message is a quoted string, or follows the word "text".
        const save = { pos: r.pos, line: r.line };
        const quoted = r.ch === '"';
        let text = r.item(false);
        if (!quoted && text !== 'text') {
          r.pos = save.pos;
          r.line = save.line;
          text = '';
        } else if (!quoted) text = r.item(false);
        out.push({ kind: word, text, ...this.flags(word), seen: false });
        return undefined;
      }
      case 'finish':
        out.push({ kind: 'finish', ...this.flags(word) });
        return undefined;
      case 'if':
        if (this.seenForce || this.noerrorForce) this.fail(`"seen", "unseen", or "noerror" found before an "if" command near line ${r.line}`);
        out.push(this.ifCommand());
        return undefined;
      case 'mail':
      case 'vacation':
        out.push(this.mailCommand(word));
        return undefined;
      case 'seen':
      case 'unseen':
        if (this.seenForce) this.fail(`"seen" or "unseen" repeated near line ${r.line}`);
        this.seenForce = true;
        this.seenValue = word === 'seen';
        return undefined;
      case 'noerror':
        this.noerrorForce = true;
        return undefined;
      default:
        this.fail(`unknown filtering command "${word}" near line ${r.line} of filter file`);
    }
  }

  private singleArgCommand(word: string, arg: string): Command {
    const r = this.r;
    const flags = this.flags(word);
    switch (word) {
      case 'add': {
        const to = r.item(false);
        if (to !== 'to') this.fail(`"to" expected in "add" command near line ${r.line} of filter file`);
        const variable = r.item(false);
        if (variable === '') this.fail(`value missing after "to" near line ${r.line} of filter file`);
        return { kind: 'add', value: arg, variable, ...flags };
      }
      case 'headers': {
        if (arg !== 'add' && arg !== 'remove' && arg !== 'charset') {
          this.fail(`"add", "remove", or "charset" expected after "headers" near line ${r.line} of filter file`);
        }
        if (!this.opts.systemFilter && arg !== 'charset') {
          this.fail(`header addition and removal is available only in system filters: near line ${r.line} of filter file`);
        }
        const value = r.item(false);
        if (value === '') this.fail(`value missing after "add", "remove", or "charset" near line ${r.line} of filter file`);
        return { kind: 'headers', op: arg, value, ...flags };
      }
      case 'logwrite':
        return { kind: 'logwrite', text: arg.endsWith('\n') ? arg : arg + '\n', ...flags };
      case 'save':
      case 'logfile': {
        let mode: number | undefined;
        if (/[0-9]/.test(r.ch)) mode = parseInt(r.word(false), 8) || 0;
        return word === 'save' ? { kind: 'save', path: arg, mode, ...flags } : { kind: 'logfile', path: arg, mode, ...flags };
      }
      case 'deliver': {
        const save = { pos: r.pos, line: r.line };
        let errorsTo: string | undefined;
        if (r.word(false) === 'errors_to') errorsTo = r.word(false);
        else {
          r.pos = save.pos;
          r.line = save.line;
        }
        return { kind: 'deliver', address: arg, errorsTo, ...flags };
      }
      case 'pipe':
        return { kind: 'pipe', command: arg, ...flags };
      default:
        return { kind: 'testprint', text: arg, ...flags };
    }
  }

  private ifCommand(): Command {
    const line = this.r.line;
    const branches: { cond: Condition; text: string; body: Command[] }[] = [];
    let otherwise: Command[] = [];
    for (;;) {
      const start = this.r.pos;
      const { cond, textEnd } = this.condition();
      const text = this.r.text.slice(start, textEnd);
      const body = this.list(true);
      branches.push({ cond, text, body: body.commands });
      if (body.end === 'elif') continue;
      if (body.end === 'else') {
        const rest = this.list(true);
        if (rest.end !== 'endif') this.fail(`"endif" missing near line ${this.r.line} of filter file`);
        otherwise = rest.commands;
      }
      break;
    }
    return { kind: 'if', branches, otherwise, seen: false, noerror: false, line };
  }

  /** A whole condition, up to and including "then". */
  private condition(): { cond: Condition; textEnd: number } {
    let textEnd = this.r.pos;
    const cond = this.conditionList(true, (p) => { textEnd = p; });
    return { cond, textEnd };
  }

  /**
   * Conditions joined by "and" (binding tighter) and "or", ended by "then"
   * at the top level or by ")" inside brackets.
   */
  private conditionList(toplevel: boolean, atThen?: (pos: number) => void): Condition {
    const r = this.r;
    const ors: Condition[] = [];
    let ands: Condition[] = [];
    const join = (): Condition => {
      // "and" chains nest to the right, "or" chains to the left, as Exim builds them.
      let c = ands[ands.length - 1];
      for (let i = ands.length - 2; i >= 0; i--) c = { kind: 'and', testFor: true, left: ands[i], right: c };
      return c;
    };
    for (;;) {
      ands.push(this.oneCondition());
      if (r.ch === ')') {
        if (toplevel) this.fail(`unexpected ")" in line ${r.line} of filter file`);
        break;
      }
      if (r.ch === '(') this.fail(`unexpected "(" in line ${r.line} of filter file`);
      const before = r.pos;
      const w = r.word(false);
      if (w === 'then') {
        if (!toplevel) this.fail(`missing ")" at end of condition near line ${r.line} of filter file`);
        atThen?.(before);
        break;
      }
      if (w === 'and') continue;
      if (w === 'or') {
        ors.push(join());
        ands = [];
        continue;
      }
      this.fail(`"and" or "or" or "${toplevel ? 'then' : ')'}" expected near line ${r.line} of filter file, but found "${w}"`);
    }
    let c = join();
    if (ors.length > 0) {
      let left = ors[0];
      for (let i = 1; i < ors.length; i++) left = { kind: 'or', testFor: true, left, right: ors[i] };
      c = { kind: 'or', testFor: true, left, right: c };
    }
    return c;
  }

  /** One condition, with any "not" words before it. */
  private oneCondition(): Condition {
    const r = this.r;
    let testFor = true;
    for (;;) {
      if (r.atEnd) this.fail('"then" missing at end of filter file');
      if (r.ch === '(') {
        r.pos++;
        r.skip();
        const inner = this.conditionList(false);
        if (!r.at(')')) this.fail(`expected ")" in line ${r.line} of filter file`);
        r.pos++;
        r.skip();
        if (!testFor) inner.testFor = !inner.testFor;
        return inner;
      }
      if (r.ch === ')') this.fail(`unexpected ")" in line ${r.line} of filter file`);
      const w = r.item(true);
      if (w === 'then') this.fail(`unexpected "then" near line ${r.line} of filter file`);
      if (w === 'not') {
        testFor = !testFor;
        continue;
      }
      switch (w) {
        case 'delivered':
        case 'error_message':
        case 'first_delivery':
        case 'manually_thawed':
          return { kind: w, testFor };
        case 'personal': {
          const aliases: string[] = [];
          for (;;) {
            const save = { pos: r.pos, line: r.line };
            if (r.word(true) !== 'alias') {
              r.pos = save.pos;
              r.line = save.line;
              break;
            }
            aliases.push(r.item(true));
          }
          return { kind: 'personal', testFor, aliases };
        }
        case 'foranyaddress': {
          const list = r.item(true);
          if (r.ch !== '(') this.fail(`"(" expected after "foranyaddress" near line ${r.line} of filter file`);
          r.pos++;
          r.skip();
          const inner = this.conditionList(false);
          if (!r.at(')')) this.fail(`expected ")" in line ${r.line} of filter file`);
          r.pos++;
          r.skip();
          return { kind: 'foranyaddress', testFor, list, inner };
        }
      }
      return this.comparison(w, testFor);
    }
  }

  /** "<left> [is|does] [not] <word> <right>", or "<left> is [not] <right>". */
  private comparison(left: string, testFor: boolean): Condition {
    const r = this.r;
    let kind: StringTest | 'above' | 'below' | undefined;
    let afterIs: { pos: number; line: number } | undefined;
    let w = r.word(true);
    const lw = w.toLowerCase();
    if (lw === 'does' || lw === 'is') {
      if (w[0] === 'i') kind = 'is';
      if (w[0] === 'I') kind = 'IS';
      if (kind) afterIs = { pos: r.pos, line: r.line };
      w = r.word(true);
      if (w.toLowerCase() === 'not') {
        testFor = !testFor;
        if (afterIs) afterIs = { pos: r.pos, line: r.line };
        w = r.word(true);
      }
    }
    const found = Object.hasOwn(COMPARISONS, w) ? COMPARISONS[w] : undefined;
    if (found) kind = found;
    else if (afterIs) {
      // "is" was the test: the word read after it is the right operand.
      r.pos = afterIs.pos;
      r.line = afterIs.line;
    } else this.fail(`unrecognized condition word "${w}" near line ${r.line} of filter file`);
    const right = r.item(true);
    return { kind: kind!, testFor, left, right };
  }

  private mailCommand(word: 'mail' | 'vacation'): Command {
    const r = this.r;
    const flags = { ...this.flags(word) };
    const args: Partial<Record<MailArg, string>> = {};
    let expandFile = false;
    let returnMessage = false;
    for (;;) {
      const save = { pos: r.pos, line: r.line };
      let w = r.word(false);
      if (w === 'return') {
        returnMessage = true;
        if (r.word(false) !== 'message') this.fail(`"return" not followed by "message"  near line ${r.line} of filter file`);
        continue;
      }
      if (w === 'expand') {
        expandFile = true;
        w = r.word(false);
        if (w !== 'file') this.fail(`"expand" not followed by "file"  near line ${r.line} of filter file`);
      }
      if (!(MAIL_ARGS as readonly string[]).includes(w)) {
        r.pos = save.pos;
        r.line = save.line;
        break;
      }
      args[w as MailArg] = r.item(false);
    }
    if (word === 'vacation') {
      if (args.file === undefined) {
        args.file = '.vacation.msg';
        expandFile = true;
      }
      args.log ??= '.vacation.log';
      args.once ??= '.vacation';
      args.once_repeat ??= '7d';
      args.subject ??= 'On vacation';
    }
    return { kind: word, args, expandFile, returnMessage, ...flags };
  }
}

/** Parse a filter file's text (the "# Exim filter" line is an ordinary comment). Throws FilterSyntaxError. */
export function parseEximFilter(text: string, opts: ParseOptions = {}): Command[] {
  return new Parser(text, opts).file();
}
