// The configuration as a stream of logical lines: physical lines from the
// file and its .include files, with macros substituted, .ifdef skipping,
// comments dropped and backslash continuations joined. Pull-based, so a macro
// defined by one logical line applies to the physical lines read after it.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.ts';
import type { MacroTable } from './macros.ts';

export interface LogicalLine {
  text: string;
  file: string;
  /** Line number of the last physical line (where Exim reports errors). */
  line: number;
}

interface OpenFile {
  name: string;
  /** Absolute path, for loop detection and resolving relative includes. */
  abs: string;
  lines: string[];
  next: number;
}

interface CondState {
  /** Lines are read in this branch. */
  on: boolean;
  /** Some branch of this .ifdef has been taken already. */
  taken: boolean;
  /** The enclosing state was on. */
  parentOn: boolean;
  sawElse: boolean;
}

const COND = /^\s*\.(ifdef|ifndef|elifdef|elifndef|else|endif)(?=\s|$)(.*)$/;
const INCLUDE = /^\s*\.(include|include_if_exists)(?=\s|$)(.*)$/;
/** A macro definition: the name is not itself substituted, only the value. */
const MACRO_DEF_HEAD = /^\s*[A-Z][A-Za-z0-9_]*\s*==?/;

/** Read a file as lines; CRLF is accepted and a missing final newline is fine. */
export function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export class LineSource {
  private readonly stack: OpenFile[] = [];
  private readonly conds: CondState[] = [];
  private readonly macros: MacroTable;
  private lastFile: string;
  private lastLine = 0;
  /** Receives `# N "file"` markers for -bP config when files are entered and left. */
  onMarker?: (marker: string) => void;

  constructor(file: string, macros: MacroTable, text?: string) {
    this.macros = macros;
    this.lastFile = file;
    const lines = text !== undefined ? text.split('\n').map((l) => l.replace(/\r$/, '')) : readLines(file);
    if (text !== undefined && lines[lines.length - 1] === '') lines.pop();
    this.stack.push({ name: file, abs: path.resolve(file), lines, next: 0 });
  }

  /** Where the last physical line came from (for errors raised between lines). */
  get position(): { file: string; line: number } {
    return { file: this.lastFile, line: this.lastLine };
  }

  private error(msg: string): ConfigError {
    return new ConfigError(msg, this.lastFile, this.lastLine);
  }

  /** The next physical line after macro, .include and .ifdef processing, or null at the end. */
  private physical(logicalStart: boolean): string | null {
    for (;;) {
      const f = this.stack[this.stack.length - 1];
      if (!f) return null;
      if (f.next >= f.lines.length) {
        this.stack.pop();
        const parent = this.stack[this.stack.length - 1];
        if (parent) this.onMarker?.(`# ${parent.next} "${parent.name}"`);
        if (this.stack.length === 0 && this.conds.length > 0) {
          throw this.error('Unexpected end of configuration file: .endif missing');
        }
        continue;
      }
      const raw = f.lines[f.next++];
      this.lastFile = f.name;
      this.lastLine = f.next;
      const cond = COND.exec(raw);
      if (cond) {
        this.conditional(cond[1], cond[2]);
        continue;
      }
      if (this.conds.length > 0 && !this.conds[this.conds.length - 1].on) continue;
      let text: string;
      const head = logicalStart ? MACRO_DEF_HEAD.exec(raw) : null;
      if (head) text = head[0] + this.macros.substitute(raw.slice(head[0].length)).text;
      else text = this.macros.substitute(raw).text;
      const inc = INCLUDE.exec(text);
      if (inc) {
        this.include(inc[1] === 'include_if_exists', inc[2].trim());
        continue;
      }
      return text;
    }
  }

  private conditional(word: string, rest: string): void {
    const top = this.conds[this.conds.length - 1];
    const enclosingOn = !top || top.on;
    // The test is "did any macro substitution happen in the rest of the line".
    const defined = () => this.macros.substitute(rest).found;
    switch (word) {
      case 'ifdef':
      case 'ifndef': {
        const c = enclosingOn && (word === 'ifdef' ? defined() : !defined());
        this.conds.push({ on: c, taken: c, parentOn: enclosingOn, sawElse: false });
        return;
      }
      case 'elifdef':
      case 'elifndef': {
        if (!top) throw this.error(`.${word} without matching .ifdef`);
        const c = top.parentOn && !top.taken && (word === 'elifdef' ? defined() : !defined());
        top.on = c;
        top.taken ||= c;
        return;
      }
      case 'else':
        if (!top) throw this.error('.else without matching .ifdef');
        top.on = top.parentOn && !top.taken;
        top.taken = true;
        top.sawElse = true;
        return;
      case 'endif':
        if (!top) throw this.error('.endif without matching .ifdef');
        this.conds.pop();
        return;
    }
  }

  private include(ifExists: boolean, arg: string): void {
    let name = arg;
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
    const cur = this.stack[this.stack.length - 1];
    if (!path.isAbsolute(name)) {
      if (ifExists) throw this.error(`.include specifies a non-absolute path "${name}"`);
      name = path.join(path.dirname(cur.abs), name);
    }
    if (ifExists && !fs.existsSync(name)) return;
    const abs = path.resolve(name);
    if (this.stack.some((f) => f.abs === abs)) {
      throw this.error(`configuration file include loop: ${name} is already being read`);
    }
    let lines: string[];
    try {
      lines = readLines(name);
    } catch {
      throw this.error(`failed to open included configuration file ${name}`);
    }
    this.onMarker?.(`# ${cur.next} "${cur.name}"`);
    this.onMarker?.(`# 1 "${name}"`);
    this.stack.push({ name, abs, lines, next: 0 });
  }

  /** The next logical line with continuations joined, or null at the end of the configuration. */
  next(): LogicalLine | null {
    let text: string | null;
    // Skip blank and comment lines between logical lines.
    for (;;) {
      text = this.physical(true);
      if (text === null) return null;
      const t = text.trim();
      if (t !== '' && !t.startsWith('#')) break;
    }
    let line = text.trim();
    while (line.endsWith('\\')) {
      line = line.slice(0, -1);
      let more: string | null;
      // Comment lines (but not blank lines) may sit inside a continuation.
      do more = this.physical(false);
      while (more !== null && more.trimStart().startsWith('#'));
      if (more === null) break;
      line += more.trim();
    }
    return { text: line.trimEnd(), file: this.lastFile, line: this.lastLine };
  }
}
