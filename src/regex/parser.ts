// PCRE2 pattern syntax (as PCRE2 10.42, Exim's, parses it in non-UTF mode)
// to an engine-neutral AST. Error texts and offsets follow PCRE2's so that
// messages read as Exim prints them. Features tern will not run exactly
// (recursion, conditionals, callouts, verbs, \K, \G, \X, back references
// into branch reset groups) are refused here with a PatternFault naming them.

import { propertySet } from './properties.ts';
import { ByteSet, ESCAPE_SETS, NEWLINE, POSIX_SETS } from './byteset.ts';
import { INFINITE } from './ast.ts';
import type { AssertKind, Node, ParsedPattern, RepeatMode } from './ast.ts';
import { PatternFault, unsupported } from './errors.ts';

interface Flags {
  i: boolean; m: boolean; s: boolean; x: boolean; xx: boolean; U: boolean; n: boolean; J: boolean;
}

const MAX_QUANTIFIER = 65535;
const MAX_NAME = 32;
const MAX_DEPTH = 250;

const ERR = {
  quantifier: 'quantifier does not follow a repeatable item',
  missingParen: 'missing closing parenthesis',
  unmatchedParen: 'unmatched closing parenthesis',
  missingBracket: 'missing terminating ] for character class',
  noSuchGroup: 'reference to non-existent subpattern',
  nameExpected: 'subpattern name expected',
  nameDigit: 'subpattern name must start with a non-digit',
  nameTerminator: 'syntax error in subpattern name (missing terminator?)',
  nameTooLong: 'subpattern name is too long (maximum 32 code units)',
  dupName: 'two named subpatterns have the same name (PCRE2_DUPNAMES not set)',
  badInClass: 'escape sequence is invalid in character class',
  caseEscapes: 'PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u',
  lookbehind: 'lookbehind assertion is not fixed length',
} as const;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c);
const EXTENDED_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r', '\x85']);

type Escape =
  | { kind: 'set'; set: ByteSet }
  | { kind: 'assert'; assert: AssertKind }
  | { kind: 'backref'; node: Node }
  | { kind: 'node'; node: Node }
  | { kind: 'quoteStart' }
  | { kind: 'nothing' };

interface PendingRef { index?: number; name?: string; offset: number; node: { index: number } }

export function parsePattern(src: string, caseless: boolean): ParsedPattern {
  return new Parser(src, caseless).parse();
}

class Parser {
  private pos = 0;
  private groups = 0;
  /** Group numbers shared by the alternatives of a branch reset group. */
  private readonly resetGroups = new Set<number>();
  private readonly names = new Map<string, number>();
  private readonly refs: PendingRef[] = [];
  private readonly totalGroups: number;
  private inQuote = false;
  private readonly src: string;
  private readonly initialCaseless: boolean;

  constructor(src: string, caseless: boolean) {
    this.src = src;
    this.initialCaseless = caseless;
    this.totalGroups = countCapturingGroups(src);
  }

  parse(): ParsedPattern {
    const flags: Flags = { i: this.initialCaseless, m: false, s: false, x: false, xx: false, U: false, n: false, J: false };
    const root = this.parseAlternation(flags, 0);
    if (this.pos < this.src.length) throw new PatternFault(ERR.unmatchedParen, this.pos);
    for (const ref of this.refs) {
      if (ref.name !== undefined) {
        const index = this.names.get(ref.name);
        if (index === undefined) throw new PatternFault(ERR.noSuchGroup, ref.offset);
        ref.node.index = index;
      } else if (ref.index === undefined || ref.index < 1 || ref.index > this.groups) {
        throw new PatternFault(ERR.noSuchGroup, ref.offset);
      }
      // The engines hold each alternative's group apart; a reference cannot name "whichever matched".
      if (this.resetGroups.has(ref.node.index || ref.index || 0)) {
        throw new PatternFault(unsupported('back references into a branch reset group (?|'), ref.offset);
      }
    }
    return { root, groups: this.groups, names: this.names };
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  /**
   * Alternatives separated by '|'. In a branch reset group (?|..) each
   * alternative numbers its groups from the same start, and the group count
   * afterwards is the highest any alternative reached.
   */
  private parseAlternation(flags: Flags, depth: number, branchReset = false): Node {
    if (depth > MAX_DEPTH) throw new PatternFault('parentheses are too deeply nested', this.pos);
    const start = this.groups;
    let highest = start;
    const alts: Node[] = [this.parseSequence(flags, depth)];
    while (this.peek() === '|') {
      this.pos++;
      if (branchReset) {
        highest = Math.max(highest, this.groups);
        this.groups = start;
      }
      alts.push(this.parseSequence(flags, depth));
    }
    if (branchReset) {
      this.groups = Math.max(highest, this.groups);
      if (alts.length > 1) for (let g = start + 1; g <= this.groups; g++) this.resetGroups.add(g);
    }
    return alts.length === 1 ? alts[0]! : { type: 'alt', alts };
  }

  private skipExtended(flags: Flags): void {
    if (!flags.x || this.inQuote) return;
    for (;;) {
      const c = this.peek();
      if (c !== undefined && EXTENDED_SPACE.has(c)) { this.pos++; continue; }
      if (c === '#') {
        while (this.pos < this.src.length && this.src.charCodeAt(this.pos) !== NEWLINE) this.pos++;
        continue;
      }
      return;
    }
  }

  private parseSequence(flags: Flags, depth: number): Node {
    const items: Node[] = [];
    // Whether the last item may take a quantifier (and has not got one yet).
    let repeatable = false;
    for (;;) {
      if (this.inQuote) {
        if (this.src.startsWith('\\E', this.pos)) { this.inQuote = false; this.pos += 2; continue; }
        if (this.pos >= this.src.length) { this.inQuote = false; break; }
        items.push(this.literal(this.src.charCodeAt(this.pos++), flags));
        repeatable = true;
        continue;
      }
      this.skipExtended(flags);
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const quantStart = this.pos;
      const quant = this.readQuantifier(flags);
      if (quant) {
        if (!repeatable) throw new PatternFault(ERR.quantifier, quant.errorOffset);
        const body = items.pop()!;
        items.push(applyQuantifier(body, quant.min, quant.max, quant.mode));
        repeatable = false;
        continue;
      }
      this.pos = quantStart;
      const item = this.parseAtom(flags, depth);
      if (item === 'option') { repeatable = false; continue; }
      if (item === null) continue; // comment, \E: invisible to a following quantifier
      items.push(item.node);
      repeatable = item.repeatable;
    }
    if (items.length === 0) return { type: 'empty' };
    return items.length === 1 ? items[0]! : { type: 'seq', items };
  }

  /** Reads a quantifier at pos if there is one (a `{` that is not a valid quantifier is a literal). */
  private readQuantifier(flags: Flags): { min: number; max: number; mode: RepeatMode; errorOffset: number } | null {
    const c = this.peek();
    let min: number, max: number;
    const start = this.pos;
    if (c === '*') { min = 0; max = INFINITE; this.pos++; }
    else if (c === '+') { min = 1; max = INFINITE; this.pos++; }
    else if (c === '?') { min = 0; max = 1; this.pos++; }
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 20));
      if (!m) return null;
      const close = this.pos + m[0].length - 1;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? INFINITE : Number(m[3]);
      if (min > MAX_QUANTIFIER || (max !== INFINITE && max > MAX_QUANTIFIER)) {
        throw new PatternFault('number too big in {} quantifier', close);
      }
      if (max < min) throw new PatternFault('numbers out of order in {} quantifier', close);
      this.pos = close + 1;
    } else return null;
    const errorOffset = this.pos - 1;
    let mode: RepeatMode = flags.U ? 'lazy' : 'greedy';
    if (this.peek() === '?') { mode = flags.U ? 'greedy' : 'lazy'; this.pos++; }
    else if (this.peek() === '+') { mode = 'possessive'; this.pos++; }
    void start;
    return { min, max, mode, errorOffset };
  }

  private literal(code: number, flags: Flags): Node {
    const set = ByteSet.of(code);
    if (flags.i) set.foldCase();
    return { type: 'set', set };
  }

  private parseAtom(flags: Flags, depth: number): { node: Node; repeatable: boolean } | 'option' | null {
    const c = this.peek()!;
    switch (c) {
      case '(':
        return this.parseGroup(flags, depth);
      case '[': {
        const posix = /^\[([:.=])[^\]]*?\1\]/.exec(this.src.slice(this.pos, this.pos + 40));
        if (posix) {
          throw new PatternFault(posix[1] === ':' ? 'POSIX named classes are supported only within a class'
            : 'POSIX collating elements are not supported', this.pos);
        }
        return { node: { type: 'set', set: this.parseClass(flags) }, repeatable: true };
      }
      case '.':
        this.pos++;
        return { node: { type: 'set', set: flags.s ? ByteSet.all() : ByteSet.of(NEWLINE).complement() }, repeatable: true };
      case '^':
        this.pos++;
        return { node: { type: 'assert', kind: flags.m ? 'lineStart' : 'start' }, repeatable: false };
      case '$':
        this.pos++;
        return { node: { type: 'assert', kind: flags.m ? 'lineEnd' : 'endOrFinalNewline' }, repeatable: false };
      case '\\': {
        const esc = this.parseEscape(flags, false);
        switch (esc.kind) {
          case 'set': return { node: { type: 'set', set: esc.set }, repeatable: true };
          case 'assert': return { node: { type: 'assert', kind: esc.assert }, repeatable: false };
          case 'backref': return { node: esc.node, repeatable: true };
          case 'node': return { node: esc.node, repeatable: true };
          case 'quoteStart': this.inQuote = true; return null;
          case 'nothing': return null;
        }
        break;
      }
      default:
        this.pos++;
        return { node: this.literal(c.charCodeAt(0), flags), repeatable: true };
    }
    return null;
  }

  private parseGroup(outer: Flags, depth: number): { node: Node; repeatable: boolean } | 'option' | null {
    const open = this.pos;
    this.pos++; // (
    if (this.peek() === '*') throw new PatternFault(unsupported('(*VERB) and (*name:...) syntax'), open);
    const flags: Flags = { ...outer };
    let index: number | null = null;
    let wrap: (body: Node) => Node = (body) => ({ type: 'group', index: null, body });
    let lookbehind = false;
    let branchReset = false;
    if (this.peek() !== '?') {
      if (!flags.n) index = ++this.groups;
    } else {
      this.pos++;
      const c = this.peek();
      const c2 = this.peek(1);
      if (c === '#') {
        const end = this.src.indexOf(')', this.pos);
        if (end < 0) throw new PatternFault('missing ) after (?# comment', this.src.length);
        this.pos = end + 1;
        return null;
      } else if (c === ':') {
        this.pos++;
      } else if (c === '>') {
        this.pos++;
        wrap = (body) => ({ type: 'atomic', body });
      } else if (c === '=' || c === '!') {
        this.pos++;
        const negate = c === '!';
        wrap = (body) => ({ type: 'look', behind: false, negate, body });
      } else if (c === '<' && (c2 === '=' || c2 === '!')) {
        this.pos += 2;
        const negate = c2 === '!';
        lookbehind = true;
        wrap = (body) => ({ type: 'look', behind: true, negate, body });
      } else if (c === '<' || c === '\'' || (c === 'P' && c2 === '<')) {
        if (c === 'P') this.pos++;
        const term = this.peek() === '<' ? '>' : '\'';
        this.pos++;
        const name = this.readName(term);
        if (this.names.has(name) && !flags.J) throw new PatternFault(ERR.dupName, this.pos);
        index = ++this.groups;
        if (!this.names.has(name)) this.names.set(name, index);
      } else if (c === 'P' && c2 === '=') {
        this.pos += 2;
        const nameStart = this.pos;
        const name = this.readName(')');
        const node = { type: 'backref' as const, index: 0, caseless: flags.i };
        this.refs.push({ name, offset: nameStart, node });
        return { node, repeatable: true };
      } else if (c === 'P' && c2 === '>') {
        throw new PatternFault(unsupported('subroutine call (?P>name)'), open);
      } else if (c === '|') {
        this.pos++;
        branchReset = true;
      } else if (c === '(') {
        throw new PatternFault(unsupported('conditional group (?('), open);
      } else if (c === 'C') {
        throw new PatternFault(unsupported('callout (?C'), open);
      } else if (c === 'R' || c === '&' || isDigit(c) || ((c === '+' || c === '-') && isDigit(c2))) {
        throw new PatternFault(unsupported('recursion and subroutine calls'), open);
      } else {
        // Option setting: (?imnsxUJ-imnsxUJ) or (?flags:...)
        const closesHere = this.parseOptionLetters(flags);
        if (closesHere) {
          // Applies to the rest of the enclosing group, including later alternatives.
          Object.assign(outer, flags);
          return 'option';
        }
      }
    }
    const body = this.parseAlternation(flags, depth + 1, branchReset);
    if (this.peek() !== ')') throw new PatternFault(ERR.missingParen, this.src.length);
    this.pos++;
    if (lookbehind) checkFixedLength(body, open);
    const node = index === null ? wrap(body) : { type: 'group' as const, index, body };
    return { node, repeatable: true };
  }

  /** Reads option letters after "(?"; returns true at ")" (setting), false at ":" (group). */
  private parseOptionLetters(flags: Flags): boolean {
    let on = true;
    if (this.peek() === '^') {
      Object.assign(flags, { i: false, m: false, n: false, s: false, x: false, xx: false });
      this.pos++;
    }
    for (;;) {
      const c = this.peek();
      switch (c) {
        case ')': this.pos++; return true;
        case ':': this.pos++; return false;
        case '-': on = false; break;
        case 'i': flags.i = on; break;
        case 'm': flags.m = on; break;
        case 's': flags.s = on; break;
        case 'n': flags.n = on; break;
        case 'U': flags.U = on; break;
        case 'J': flags.J = on; break;
        case 'x':
          if (this.peek(1) === 'x') { flags.xx = on; this.pos++; }
          flags.x = on;
          if (!on) flags.xx = false;
          break;
        default:
          throw new PatternFault('unrecognized character after (? or (?-', c === undefined ? this.pos : this.pos);
      }
      this.pos++;
    }
  }

  private readName(term: string): string {
    const start = this.pos;
    if (isDigit(this.peek())) throw new PatternFault(ERR.nameDigit, start);
    while (isWordChar(this.peek())) this.pos++;
    if (this.pos === start) throw new PatternFault(ERR.nameExpected, start);
    if (this.pos - start > MAX_NAME) throw new PatternFault(ERR.nameTooLong, start);
    if (this.peek() !== term) throw new PatternFault(ERR.nameTerminator, this.pos);
    const name = this.src.slice(start, this.pos);
    this.pos++;
    return name;
  }

  private backref(index: number | undefined, name: string | undefined, offset: number, flags: Flags): Escape {
    const node = { type: 'backref' as const, index: index ?? 0, caseless: flags.i };
    this.refs.push({ index, name, offset, node });
    return { kind: 'backref', node };
  }

  /** After \\p or \\P: "{name}", "{^name}" or a one-letter name; the set it means. */
  private parseProperty(negated: boolean): ByteSet {
    const malformed = (): never => { throw new PatternFault('malformed \\P or \\p sequence', this.pos); };
    let name: string;
    if (this.peek() === '{') {
      const close = this.src.indexOf('}', this.pos);
      if (close < 0) {
        this.pos = this.src.length;
        return malformed();
      }
      name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
    } else {
      const one = this.peek();
      if (one === undefined) return malformed();
      name = one;
      this.pos++;
    }
    const set = propertySet(name);
    if (!set) throw new PatternFault('unknown property after \\P or \\p', this.pos);
    return negated ? set.complement() : set;
  }

  /** Parses an escape at pos (which is at the backslash). */
  private parseEscape(flags: Flags, inClass: boolean): Escape {
    const start = this.pos;
    this.pos++;
    const c = this.peek();
    if (c === undefined) throw new PatternFault('\\ at end of pattern', this.src.length);
    this.pos++;
    const char = (code: number): Escape => ({ kind: 'set', set: flags.i ? ByteSet.of(code).foldCase() : ByteSet.of(code) });
    const lower = c.toLowerCase();
    if (lower in ESCAPE_SETS && /[dwshvDWSHV]/.test(c)) {
      const set = ESCAPE_SETS[lower]!;
      return { kind: 'set', set: c === lower ? set : set.complement() };
    }
    const invalidInClass = (): never => { throw new PatternFault(ERR.badInClass, this.pos - 1); };
    switch (c) {
      case 'a': return char(0x07);
      case 'e': return char(0x1b);
      case 'f': return char(0x0c);
      case 'n': return char(0x0a);
      case 'r': return char(0x0d);
      case 't': return char(0x09);
      case 'b': return inClass ? char(0x08) : { kind: 'assert', assert: 'word' };
      case 'B': return inClass ? invalidInClass() : { kind: 'assert', assert: 'notWord' };
      case 'A': return inClass ? invalidInClass() : { kind: 'assert', assert: 'start' };
      case 'z': return inClass ? invalidInClass() : { kind: 'assert', assert: 'end' };
      case 'Z': return inClass ? invalidInClass() : { kind: 'assert', assert: 'endOrFinalNewline' };
      case 'G': throw new PatternFault(unsupported('\\G'), start);
      case 'K': throw new PatternFault(unsupported('\\K'), start);
      case 'X': throw new PatternFault(unsupported('\\X'), start);
      case 'p': case 'P': return { kind: 'set', set: this.parseProperty(c === 'P') };
      case 'Q': return { kind: 'quoteStart' };
      case 'E': return { kind: 'nothing' };
      case 'N':
        if (this.peek() === '{') throw new PatternFault(ERR.caseEscapes, this.pos);
        if (inClass) return invalidInClass();
        return { kind: 'set', set: ByteSet.of(NEWLINE).complement() };
      case 'C':
        if (inClass) return invalidInClass();
        return { kind: 'set', set: ByteSet.all() };
      case 'R': {
        if (inClass) return invalidInClass();
        // \R is atomic in PCRE2: a CR LF pair is never split by backtracking.
        const crlf: Node = { type: 'seq', items: [{ type: 'set', set: ByteSet.of(0x0d) }, { type: 'set', set: ByteSet.of(0x0a) }] };
        const single: Node = { type: 'set', set: ByteSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85) };
        return { kind: 'node', node: { type: 'atomic', body: { type: 'alt', alts: [crlf, single] } } };
      }
      case 'F': case 'L': case 'l': case 'U': case 'u':
        throw new PatternFault(ERR.caseEscapes, this.pos);
      case 'c': {
        const x = this.peek();
        if (x === undefined) throw new PatternFault('\\c at end of pattern', this.pos);
        const code = x.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) throw new PatternFault('\\c must be followed by a printable ASCII character', this.pos);
        this.pos++;
        return char(x.toUpperCase().charCodeAt(0) ^ 0x40);
      }
      case 'x': {
        if (this.peek() === '{') {
          const close = this.src.indexOf('}', this.pos);
          const digits = close < 0 ? '' : this.src.slice(this.pos + 1, close);
          if (close < 0 || digits === '' || !/^[0-9a-fA-F]+$/.test(digits)) {
            throw new PatternFault('non-hex character in \\x{} (closing brace missing?)', this.pos + 1 + leadingMatch(this.src.slice(this.pos + 1), isHex));
          }
          const value = parseInt(digits, 16);
          if (value > 0xff) throw new PatternFault('character code point value in \\x{} or \\o{} is too large', close);
          this.pos = close + 1;
          return char(value);
        }
        let digits = '';
        while (digits.length < 2 && isHex(this.peek())) digits += this.src[this.pos++];
        return char(digits === '' ? 0 : parseInt(digits, 16));
      }
      case 'o': {
        if (this.peek() !== '{') throw new PatternFault('missing opening brace after \\o', this.pos);
        const close = this.src.indexOf('}', this.pos);
        const digits = close < 0 ? '' : this.src.slice(this.pos + 1, close);
        if (close < 0 || !/^[0-7]+$/.test(digits)) throw new PatternFault('non-octal character in \\o{} (closing brace missing?)', this.pos + 1);
        const value = parseInt(digits, 8);
        if (value > 0xff) throw new PatternFault('character code point value in \\x{} or \\o{} is too large', close);
        this.pos = close + 1;
        return char(value);
      }
      case 'g': {
        if (inClass) return invalidInClass();
        const offset = this.pos;
        if (this.peek() === '<' || this.peek() === '\'') throw new PatternFault(unsupported('subroutine call \\g<...>'), start);
        let body: string;
        if (this.peek() === '{') {
          const close = this.src.indexOf('}', this.pos);
          if (close < 0) throw new PatternFault('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number', this.pos);
          body = this.src.slice(this.pos + 1, close);
          this.pos = close + 1;
        } else {
          const m = /^-?\d+/.exec(this.src.slice(this.pos, this.pos + 12));
          if (!m) throw new PatternFault('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number', this.pos);
          body = m[0];
          this.pos += body.length;
        }
        if (/^-\d+$/.test(body)) {
          const rel = Number(body.slice(1));
          if (rel === 0) throw new PatternFault('a relative value of zero is not allowed', offset);
          return this.backref(this.groups - rel + 1, undefined, offset, flags);
        }
        if (/^\+?\d+$/.test(body)) return this.backref(Number(body), undefined, offset, flags);
        if (/^[A-Za-z_]\w*$/.test(body)) return this.backref(undefined, body, offset + 1, flags);
        throw new PatternFault(ERR.nameExpected, offset + 1);
      }
      case 'k': {
        if (inClass) return invalidInClass();
        const open = this.peek();
        const term = open === '<' ? '>' : open === '\'' ? '\'' : open === '{' ? '}' : undefined;
        if (term === undefined) throw new PatternFault('\\k is not followed by a braced, angle-bracketed, or quoted name', this.pos);
        this.pos++;
        const nameStart = this.pos;
        const name = this.readName(term);
        return this.backref(undefined, name, nameStart, flags);
      }
      default:
        break;
    }
    if (isDigit(c)) return this.digitEscape(c, inClass, flags);
    if (/[A-Za-z]/.test(c)) throw new PatternFault('unrecognized character follows \\', this.pos - 1);
    return char(c.charCodeAt(0));
  }

  /** \0, \1..\9, \10..: octal or a back reference, by PCRE2's rules. */
  private digitEscape(first: string, inClass: boolean, flags: Flags): Escape {
    const digitsStart = this.pos - 1;
    const char = (code: number): Escape => ({ kind: 'set', set: flags.i ? ByteSet.of(code).foldCase() : ByteSet.of(code) });
    const octal = (): Escape => {
      this.pos = digitsStart;
      let digits = '';
      while (digits.length < 3 && isOctal(this.peek())) digits += this.src[this.pos++];
      return char(parseInt(digits, 8) & 0xff);
    };
    if (first === '0') return octal();
    if (inClass) {
      if (first === '8' || first === '9') throw new PatternFault(ERR.badInClass, this.pos - 1);
      return octal();
    }
    let digits = first;
    while (isDigit(this.peek())) digits += this.src[this.pos++];
    const n = Number(digits);
    if (n < 10 || n <= this.totalGroups || first === '8' || first === '9') {
      return this.backref(n, undefined, this.pos - 1, flags);
    }
    return octal();
  }

  private parseClass(flags: Flags): ByteSet {
    this.pos++; // [
    let negate = false;
    if (this.peek() === '^') { negate = true; this.pos++; }
    const set = new ByteSet();
    let first = true;
    let quote = false;
    // A single character just added, which may start a range.
    let prev: number | null = null;
    let prevWasClass = false;
    for (;;) {
      if (this.pos >= this.src.length) throw new PatternFault(ERR.missingBracket, this.src.length);
      const c = this.src[this.pos]!;
      if (quote) {
        if (this.src.startsWith('\\E', this.pos)) { quote = false; this.pos += 2; continue; }
        prev = c.charCodeAt(0); set.add(prev); prevWasClass = false; this.pos++; first = false;
        continue;
      }
      if (c === ']' && !first) { this.pos++; break; }
      first = false;
      if (flags.xx && (c === ' ' || c === '\t')) { this.pos++; continue; }
      if (c === '[') {
        const m = /^\[([:.=])(\^?)([A-Za-z]*)\1\]/.exec(this.src.slice(this.pos, this.pos + 20));
        if (m) {
          if (m[1] !== ':') throw new PatternFault('POSIX collating elements are not supported', this.pos);
          const named = POSIX_SETS[m[3]!];
          if (!named) throw new PatternFault('unknown POSIX class name', this.pos + 2 + m[2]!.length);
          set.addSet(m[2] ? named.complement() : named);
          this.pos += m[0].length;
          prev = null; prevWasClass = true;
          continue;
        }
      }
      if (c === '-' && (prev !== null || prevWasClass) && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const dashAt = this.pos;
        this.pos++;
        if (prevWasClass) throw new PatternFault('invalid range in character class', dashAt);
        const hi = this.classAtom(flags);
        if (hi === null) continue; // \E or \Q: the hyphen stays literal
        if (typeof hi !== 'number') throw new PatternFault('invalid range in character class', this.pos);
        if (hi < prev!) throw new PatternFault('range out of order in character class', this.pos - 1);
        set.addRange(prev!, hi);
        prev = null; prevWasClass = false;
        continue;
      }
      if (c === '\\' && this.peek(1) === 'Q') { quote = true; this.pos += 2; continue; }
      const atom = this.classAtom(flags);
      if (atom === null) continue;
      if (typeof atom === 'number') { set.add(atom); prev = atom; prevWasClass = false; }
      else { set.addSet(atom); prev = null; prevWasClass = true; }
    }
    if (flags.i) set.foldCase();
    return negate ? set.complement() : set;
  }

  /** One member of a class: a byte value, a set (\d, [:alpha:]), or null for \E. */
  private classAtom(flags: Flags): number | ByteSet | null {
    const c = this.src[this.pos]!;
    if (c !== '\\') { this.pos++; return c.charCodeAt(0); }
    const esc = this.parseEscape({ ...flags, i: false }, true);
    if (esc.kind === 'nothing' || esc.kind === 'quoteStart') return null;
    if (esc.kind !== 'set') throw new PatternFault(ERR.badInClass, this.pos - 1);
    const single = esc.set.single();
    return single >= 0 ? single : esc.set;
  }
}

function leadingMatch(s: string, ok: (c: string) => boolean): number {
  let n = 0;
  while (n < s.length && ok(s[n]!)) n++;
  return n;
}

function applyQuantifier(body: Node, min: number, max: number, mode: RepeatMode): Node {
  // PCRE2 treats a repeated assertion as "at most once": optional if min is 0.
  if (body.type === 'look') return min === 0 ? { type: 'empty' } : body;
  return { type: 'repeat', body, min, max, mode };
}

/** PCRE2 10.42 requires every top-level branch of a lookbehind to have a fixed length. */
function checkFixedLength(body: Node, offset: number): void {
  const branches = body.type === 'alt' ? body.alts : [body];
  for (const b of branches) if (fixedLength(b) === null) throw new PatternFault(ERR.lookbehind, offset);
}

export function fixedLength(node: Node): number | null {
  switch (node.type) {
    case 'empty': case 'assert': case 'look': return 0;
    case 'set': return 1;
    case 'seq': {
      let n = 0;
      for (const item of node.items) {
        const l = fixedLength(item);
        if (l === null) return null;
        n += l;
      }
      return n;
    }
    case 'alt': {
      const lens = node.alts.map(fixedLength);
      if (lens.some((l) => l === null || l !== lens[0])) return null;
      return lens[0]!;
    }
    case 'group': case 'atomic': return fixedLength(node.body);
    case 'repeat': {
      if (node.min !== node.max) return null;
      const l = fixedLength(node.body);
      return l === null ? null : l * node.min;
    }
    case 'backref': return null;
  }
}

/** Counts capturing groups ahead of parsing, which PCRE2 needs to read \10 and up as octal or reference. */
function countCapturingGroups(src: string): number {
  let n = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      if (src[i + 1] === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        i = end < 0 ? src.length : end + 2;
      } else i += 2;
      continue;
    }
    if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') {
        if (src[i] === '\\') i++;
        else if (src[i] === '[' && src[i + 1] === ':') {
          const end = src.indexOf(':]', i + 2);
          if (end > 0) i = end + 1;
        }
        i++;
      }
      i++;
      continue;
    }
    if (c === '(') {
      const rest = src.slice(i + 1, i + 4);
      if (rest[0] !== '?' && rest[0] !== '*') n++;
      else if (/^\?(<[^=!]|'|P<)/.test(rest)) n++;
    }
    i++;
  }
  return n;
}
