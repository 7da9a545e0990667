// Compiling ACL text into statements: one verb, then conditions and
// modifiers in order. Used for the ACLs of the configuration (at load
// time, so -bV reports errors with file and line) and for inline and file
// ACLs met at run time. Error texts are Exim's.

import { compileExpansion, type Expansion } from '../expand/index.ts';
import { CONDITIONS, VERBS, type ConditionDef, type Verb } from './tables.ts';

export interface SourceLine {
  text: string;
  file: string;
  line: number;
}

export interface AclItem {
  name: string;
  def: ConditionDef;
  negated: boolean;
  /** The argument as written (after "="); "" for endpass. */
  arg: string;
  /** Compiled expansion of arg when the engine expands it. */
  exp?: Expansion;
  /** For set: the variable name ("acl_m0", "acl_c_x", "dkim_verify_status"). */
  varName?: string;
  file: string;
  line: number;
}

export interface AclStatementCompiled {
  verb: Verb;
  items: AclItem[];
  file: string;
  line: number;
}

export interface CompiledAcl {
  /** How traces and messages name it: `ACL "name"` or `inline ACL`. */
  label: string;
  statements: AclStatementCompiled[];
}

/** A syntax error in an ACL, with the place it was found. */
export class AclSyntaxError extends Error {
  override name = 'AclSyntaxError';
  readonly file: string;
  readonly line: number;
  constructor(message: string, file: string, line: number) {
    super(message);
    this.file = file;
    this.line = line;
  }
}

const NAME_CHAR = /[A-Za-z0-9_]/;

function readName(s: string, pos: number): { name: string; pos: number } {
  while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++;
  const start = pos;
  while (pos < s.length && NAME_CHAR.test(s[pos])) pos++;
  const name = s.slice(start, pos);
  while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++;
  return { name, pos };
}

const isVerb = (name: string): name is Verb => (VERBS as readonly string[]).includes(name);

/** Compile logical lines (continuations joined, comments and blank lines gone) into statements. */
export function parseAclLines(lines: readonly SourceLine[]): AclStatementCompiled[] {
  const out: AclStatementCompiled[] = [];
  let current: AclStatementCompiled | undefined;
  for (const ln of lines) {
    const fail = (msg: string): never => {
      throw new AclSyntaxError(msg, ln.file, ln.line);
    };
    const text = ln.text.trim();
    if (text === '') continue;
    let { name, pos } = readName(text, 0);
    if (isVerb(name)) {
      current = { verb: name, items: [], file: ln.file, line: ln.line };
      out.push(current);
      if (pos >= text.length) continue;
      ({ name, pos } = readName(text, pos));
    } else if (!current) {
      fail(`unknown ACL verb "${name}" in "${text}"`);
    }
    const stmt = current!;
    let negated = false;
    if (name === '' && text[pos] === '!') {
      negated = true;
      ({ name, pos } = readName(text, pos + 1));
    }
    const def = CONDITIONS.get(name);
    if (!def) fail(`unknown ACL condition/modifier in "${text}"`);
    const d = def!;
    if (negated && d.modifier) fail(`ACL error: negation is not allowed with "${name}"`);
    if (name === 'endpass' && stmt.verb !== 'accept' && stmt.verb !== 'discard') {
      fail(`ACL error: "endpass" is not allowed with "${stmt.verb}"`);
    }
    const item: AclItem = { name, def: d, negated, arg: '', file: ln.file, line: ln.line };
    if (name === 'set') {
      const rest = text.slice(pos);
      const m = /^(dkim_verify_(?:status|reason))(?![A-Za-z0-9])/.exec(rest);
      if (m) {
        item.varName = m[1];
        pos += m[1].length;
      } else {
        if (!rest.startsWith('acl_c') && !rest.startsWith('acl_m')) {
          fail(`invalid variable name after "set" in ACL modifier "set ${rest}" (must start "acl_c" or "acl_m")`);
        }
        const sixth = rest[5] ?? '';
        if (!/[0-9_]/.test(sixth)) {
          fail(`invalid variable name after "set" in ACL modifier "set ${rest}" (digit or underscore must follow acl_c or acl_m)`);
        }
        let end = 5;
        while (end < rest.length && rest[end] !== '=' && rest[end] !== ' ' && rest[end] !== '\t') {
          if (!NAME_CHAR.test(rest[end])) fail(`invalid character "${rest[end]}" in variable name in ACL modifier "set ${rest}"`);
          end++;
        }
        item.varName = rest.slice(0, end);
        pos += end;
      }
      while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    }
    if (name !== 'endpass') {
      if (text[pos] !== '=') fail(`"=" missing after ACL "${name}" ${d.modifier ? 'modifier' : 'condition'}`);
      item.arg = text.slice(pos + 1).replace(/^[ \t]+/, '');
      if (d.expand) item.exp = compileExpansion(item.arg);
    }
    stmt.items.push(item);
  }
  return out;
}

/**
 * Split ACL text from a file or an inline option value into logical lines,
 * as the configuration reader does: trailing backslash continues a line
 * (the next line's leading white space dropped), '#' lines and blank lines
 * are skipped.
 */
export function logicalLines(text: string, file: string, firstLine = 1): SourceLine[] {
  const raw = text.split('\n');
  const out: SourceLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const startLine = firstLine + i;
    let line = raw[i].replace(/\r$/, '');
    if (/^\s*#/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < raw.length) {
      line = line.replace(/\\\s*$/, '');
      i++;
      const next = raw[i].replace(/\r$/, '');
      if (/^\s*#/.test(next)) continue;
      line += next.replace(/^\s+/, '');
    }
    if (line.trim() === '') continue;
    out.push({ text: line.trim(), file, line: startLine });
  }
  return out;
}
