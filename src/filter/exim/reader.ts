// The character-level reader of an Exim filter file: white space and
// "#" comments between items, bare words, and double-quoted strings with
// their backslash escapes and continuation lines (filter.xfpt, "Data values
// in filter commands"). It counts lines for error messages.

/** A syntax error: the message is Exim's text (reported as "Filter error: ..."). */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
}

/** Longest word or string, before expansion, that a filter may hold. */
const MAX_ITEM = 1024;

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** A byte value as tern's string convention holds it (bytes above 127 are escaped surrogates). */
function byteChar(n: number): string {
  const b = n & 0xff;
  return String.fromCharCode(b < 0x80 ? b : 0xdc00 + b);
}

const NAMED_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export class Reader {
  readonly text: string;
  pos = 0;
  line = 1;

  constructor(text: string) {
    this.text = text;
  }

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** The character at the read position ('' at the end). */
  get ch(): string {
    return this.text[this.pos] ?? '';
  }

  /** Whether the read position holds `c` (a method, so that checks after moving are not narrowed away). */
  at(c: string): boolean {
    return this.text[this.pos] === c;
  }

  /** Skip white space and comments: "#" after a separator runs to the end of its line. */
  skip(): void {
    for (;;) {
      while (isSpace(this.text[this.pos])) {
        if (this.text[this.pos] === '\n') this.line++;
        this.pos++;
      }
      if (this.text[this.pos] !== '#') return;
      while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
    }
  }

  /** A bare word, ended by white space (and by brackets inside conditions); then skip to the next item. */
  word(bracket: boolean): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (isSpace(c) || (bracket && (c === '(' || c === ')'))) break;
      this.pos++;
    }
    const w = this.text.slice(start, this.pos);
    if (w.length >= MAX_ITEM) throw new FilterSyntaxError(`word is too long in line ${this.line} of filter file (max = ${MAX_ITEM} chars)`);
    this.skip();
    return w;
  }

  /** A word, or a quoted string with its escapes interpreted. */
  item(bracket: boolean): string {
    if (this.ch !== '"') return this.word(bracket);
    const t = this.text;
    let out = '';
    this.pos++;
    while (this.pos < t.length && t[this.pos] !== '"' && t[this.pos] !== '\n') {
      if (out.length >= MAX_ITEM - 1) throw new FilterSyntaxError(`string is too long in line ${this.line} of filter file (max = ${MAX_ITEM} chars)`);
      const c = t[this.pos];
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      // Backslash, optional trailing space, newline: the string goes on after the next line's indentation.
      if (isSpace(t[this.pos + 1])) {
        let p = this.pos + 1;
        while (p < t.length && t[p] !== '\n' && isSpace(t[p])) p++;
        if (t[p] === '\n') {
          this.line++;
          p++;
          while (p < t.length && t[p] !== '\n' && isSpace(t[p])) p++;
          this.pos = p;
          continue;
        }
      }
      out += this.escape();
    }
    if (t[this.pos] === '"') this.pos++;
    else throw new FilterSyntaxError(`quote missing at end of string in line ${this.line}`);
    this.skip();
    return out;
  }

  /** One backslash escape at the read position; returns the character it stands for. */
  private escape(): string {
    const t = this.text;
    this.pos++; // the backslash
    const c = t[this.pos];
    if (c === undefined) return '\\';
    if (isOctal(c)) {
      let n = 0;
      for (let k = 0; k < 3 && isOctal(t[this.pos]); k++) n = n * 8 + Number(t[this.pos++]);
      return byteChar(n);
    }
    if (c === 'x') {
      this.pos++;
      let n = 0;
      for (let k = 0; k < 2 && isHex(t[this.pos]); k++) n = n * 16 + parseInt(t[this.pos++], 16);
      return byteChar(n);
    }
    this.pos++;
    return NAMED_ESCAPES[c] ?? c;
  }
}
