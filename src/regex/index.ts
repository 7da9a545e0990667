// PCRE2-compatible regular expressions that a hostile subject cannot hang.
//
// How it works:
// - parser.ts reads PCRE2 syntax (10.42, as Exim links it, non-UTF mode)
//   into an AST, with PCRE2's error texts and offsets; options ((?i) (?m)
//   (?s) (?x) (?xx) (?n) (?U) (?J)), \Q..\E, POSIX classes, \x{..}, octal,
//   \e \h \v \R, named groups, atomic groups and possessive quantifiers are
//   honoured, as are \p{..} (on byte values as code points) and branch
//   reset groups; recursion, conditionals, callouts, (*VERBS), \K, \G and
//   back references into branch reset groups are refused with a RegexError
//   rather than matched differently.
// - Patterns RE2 can express run on re2js (linear time: no subject can make
//   them slow). That is nearly every pattern in Exim configurations.
// - Patterns that need backtracking (back references, lookahead, atomic
//   groups, possessive quantifiers, repeats above 1000) run as JavaScript
//   RegExp in a worker thread under a time limit (js-runner.ts); running out
//   of time is "no match", as a PCRE2 match-limit error is to Exim.
// - PCRE2 semantics the engines lack are emitted explicitly: `$` also
//   matches before a final newline, `.` excludes only \n, \s \w \d and case
//   folding are ASCII-only (C-locale tables), multiline `^` not after a final
//   newline. Where RE2 cannot say it for a given subject (one ending in a
//   newline), that match runs on the JavaScript engine instead.
// - Matching is on bytes, as Exim's: see bytes.ts.

import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { fromByteString, isAscii, toByteString } from './bytes.ts';
import { PatternFault, RegexError, unsupported } from './errors.ts';
import { parsePattern } from './parser.ts';
import { features, jsDivergence } from './analyze.ts';
import type { Features } from './analyze.ts';
import { emitJs, emitNative, emitRe2 } from './emit.ts';
import { compileNative } from './native.ts';
import type { Program } from './emit.ts';
import { runJs } from './js-runner.ts';
import type { ParsedPattern } from './ast.ts';

// re2js is loaded on first use: patterns V8 can run natively never need it.
const loadPackage = createRequire(import.meta.url);
let re2js: typeof RE2JS | undefined;
const RE2 = (): typeof RE2JS => (re2js ??= (loadPackage('re2js') as { RE2JS: typeof RE2JS }).RE2JS);

export { RegexError, regexErrorText } from './errors.ts';
export type { RegexErrorShape } from './errors.ts';
export { setRegexTimeLimit, regexTimeouts, stopRegexWorker } from './js-runner.ts';

export interface CompiledRegex {
  /** The original PCRE pattern. */
  readonly source: string;
  /** Number of capturing groups. */
  readonly groupCount: number;
  /** Group names to numbers, for (?<name>...) groups. */
  readonly groupNames: ReadonlyMap<string, number>;
  test(subject: string): boolean;
  /** Captures [whole, $1, $2, ...] (undefined for unset groups) or null. */
  exec(subject: string): (string | undefined)[] | null;
  /** ${sg}: replace every match, as Perl and Exim step over empty matches. */
  replaceAll(subject: string, replace: (captures: (string | undefined)[]) => string): string;
}

export interface RegexOptions {
  caseless?: boolean;
}

/** A linear engine's next match at or after p, with its engine groups' texts; null when there is none. */
type FindFrom = (p: number) => { index: number; end: number; groups: (string | undefined)[] } | null;

/** One match in byte-string coordinates, with captures [whole, $1...]. */
interface RawMatch {
  index: number;
  end: number;
  captures: (string | undefined)[];
}

type Engine = 're2' | 're2FinalNewline' | 'js';

class PcreRegex implements CompiledRegex {
  readonly source: string;
  readonly groupCount: number;
  readonly groupNames: ReadonlyMap<string, number>;
  private readonly parsed: ParsedPattern;
  private readonly features: Features;
  /** The RE2 program on V8's RegExp (see native.ts), used in place of re2 where it exists. */
  private readonly native: { re: RegExp; program: Program } | null = null;
  /** The RE2 program; compiled on first need when the native one exists. */
  private re2: { re: RE2JS; program: Program } | null = null;
  /** Whether a linear-time engine (native or RE2) runs this pattern. */
  private readonly linear: boolean;
  private re2FinalNewline: { re: RE2JS; program: Program } | null | 'unusable' = null;
  private js: Program | null = null;
  private jsNonEmpty: string | null = null;

  constructor(pattern: string, caseless: boolean) {
    this.source = pattern;
    try {
      this.parsed = parsePattern(toByteString(pattern), caseless);
    } catch (e) {
      if (e instanceof PatternFault) throw new RegexError(pattern, e.reason, e.offset);
      throw e;
    }
    this.groupCount = this.parsed.groups;
    this.groupNames = this.parsed.names;
    this.features = features(this.parsed.root);
    if (!this.features.needsBacktracking && !this.features.bigRepeat) {
      this.native = this.compileNativeProgram();
      if (this.native === null) {
        try {
          this.re2 = this.compileRe2('end');
        } catch {
          this.re2 = null; // e.g. too large for RE2: the JavaScript engine takes it
        }
      }
    }
    this.linear = this.native !== null || this.re2 !== null;
    if (!this.linear) {
      const problem = jsDivergence(this.parsed.root);
      if (problem !== null) throw new RegexError(pattern, unsupported(problem), 0);
      this.jsProgram(); // reports a pattern JavaScript rejects now, not at match time
    }
  }

  /**
   * Where V8 gives the same captures as PCRE2 (jsDivergence: a group in a
   * repetition) and can run the program in linear time, the native program.
   */
  private compileNativeProgram(): { re: RegExp; program: Program } | null {
    if (jsDivergence(this.parsed.root) !== null) return null;
    const program = emitNative(this.parsed.root, this.parsed.groups);
    if (program === null) return null;
    const re = compileNative(program.source);
    return re === null ? null : { re, program };
  }

  private jsProgram(): Program {
    if (this.js === null) {
      this.js = emitJs(this.parsed.root, this.parsed.groups, false);
      try {
        new RegExp(this.js.source);
      } catch (e) {
        throw new RegexError(this.source, unsupported(`this pattern (${(e as Error).message})`), 0);
      }
    }
    return this.js;
  }

  private jsNonEmptySource(): string {
    this.jsNonEmpty ??= emitJs(this.parsed.root, this.parsed.groups, true).source;
    return this.jsNonEmpty;
  }

  private engineFor(s: string): Engine {
    if (!this.linear) return 'js';
    if (!this.features.finalNewlineSensitive || !s.endsWith('\n')) return 're2';
    // With the only newline at the very end, multiline `$` is exactly PCRE2's `$`.
    if (!this.features.lineStart && s.indexOf('\n') === s.length - 1 && this.finalNewlineProgram() !== null) return 're2FinalNewline';
    return 'js';
  }

  private compileRe2(dollar: 'end' | 'lineEnd'): { re: RE2JS; program: Program } {
    const program = emitRe2(this.parsed.root, this.parsed.groups, dollar);
    return { re: RE2().compile(program.source, RE2().LOOKBEHINDS), program };
  }

  /** The RE2 program for subjects whose only newline ends them, or null when RE2 cannot take it. */
  private finalNewlineProgram(): { re: RE2JS; program: Program } | null {
    if (this.re2FinalNewline === null) {
      try {
        this.re2FinalNewline = this.compileRe2('lineEnd');
      } catch {
        this.re2FinalNewline = 'unusable';
      }
    }
    return this.re2FinalNewline === 'unusable' ? null : this.re2FinalNewline;
  }

  private re2For(engine: 're2' | 're2FinalNewline'): { re: RE2JS; program: Program } {
    if (engine === 're2') return (this.re2 ??= this.compileRe2('end'));
    return this.finalNewlineProgram()!;
  }

  test(subject: string): boolean {
    const s = toByteString(subject);
    const engine = this.engineFor(s);
    if (engine === 're2' && this.native !== null) {
      this.native.re.lastIndex = 0;
      return this.native.re.test(s);
    }
    if (engine !== 'js') return this.re2For(engine).re.test(s);
    return this.matchesJs(s, 'first').length > 0;
  }

  exec(subject: string): (string | undefined)[] | null {
    const s = toByteString(subject);
    const found = this.matches(s, 'first');
    if (found.length === 0) return null;
    return s === subject ? found[0]!.captures : decodeCaptures(found[0]!.captures);
  }

  replaceAll(subject: string, replace: (captures: (string | undefined)[]) => string): string {
    const s = toByteString(subject);
    const found = this.matches(s, 'all');
    if (found.length === 0) return subject;
    const ascii = s === subject;
    let out = '';
    let last = 0;
    for (const m of found) {
      const captures = ascii ? m.captures : decodeCaptures(m.captures);
      out += s.slice(last, m.index) + toByteString(replace(captures));
      last = m.end;
    }
    out += s.slice(last);
    return ascii && isAscii(out) ? out : fromByteString(out);
  }

  private matches(s: string, op: 'first' | 'all'): RawMatch[] {
    const engine = this.engineFor(s);
    if (engine === 'js') return this.matchesJs(s, op);
    const found = engine === 're2' && this.native !== null ? this.matchesNative(this.native, s, op) : this.matchesRe2(this.re2For(engine), s, op);
    return found ?? this.matchesJs(s, op);
  }

  /** RE2 matches, or null where only the JavaScript engine can step over an empty match exactly. */
  private matchesRe2(compiled: { re: RE2JS; program: Program }, s: string, op: 'first' | 'all'): RawMatch[] | null {
    const m = compiled.re.matcher(s);
    const engineGroups = compiled.re.groupCount();
    return this.scanLinear(s, op, compiled.program, (p) => {
      if (!m.find(p)) return null;
      const groups: (string | undefined)[] = [];
      for (let g = 1; g <= engineGroups; g++) groups.push(m.group(g) ?? undefined);
      return { index: m.start(), end: m.end(), groups };
    });
  }

  /** As matchesRe2, on the native program. */
  private matchesNative(compiled: { re: RegExp; program: Program }, s: string, op: 'first' | 'all'): RawMatch[] | null {
    const re = compiled.re;
    return this.scanLinear(s, op, compiled.program, (p) => {
      re.lastIndex = p;
      const m = re.exec(s);
      return m === null ? null : { index: m.index, end: m.index + m[0].length, groups: m.slice(1) };
    });
  }

  /**
   * The matches of a linear engine's program, searched for from 0 and after
   * each match as PCRE2 steps; null where only the JavaScript engine can step
   * over an empty match exactly.
   */
  private scanLinear(s: string, op: 'first' | 'all', program: Program, findFrom: FindFrom): RawMatch[] | null {
    const out: RawMatch[] = [];
    let p = 0;
    while (p <= s.length) {
      const m = findFrom(p);
      if (m === null) break;
      const { index, end } = m;
      out.push({ index, end, captures: mapCaptures(s.slice(index, end), m.groups, program) });
      if (op === 'first') break;
      if (end === index) {
        // PCRE2 now looks for a non-empty match at the same place; when the
        // pattern never prefers empty to non-empty, there is none to find.
        if (this.features.mayPreferEmpty) return null;
        p = end + 1;
      } else p = end;
    }
    return out;
  }

  private matchesJs(s: string, op: 'first' | 'all'): RawMatch[] {
    const program = this.jsProgram();
    const outcome = runJs({
      source: program.source,
      nonEmptySource: op === 'all' ? this.jsNonEmptySource() : undefined,
      subject: s,
      op,
    });
    if (outcome.kind === 'timeout') return [];
    return outcome.matches.map((m) => ({ index: m.index, end: m.end, captures: mapCaptures(s.slice(m.index, m.end), m.groups, program) }));
  }
}

/** PCRE2 captures [whole, $1, ...] from an engine's groups 1..n (raw[0] is group 1). */
function mapCaptures(whole: string, raw: (string | undefined)[], program: Program): (string | undefined)[] {
  const captures: (string | undefined)[] = [whole];
  for (let g = 1; g < program.groupMap.length; g++) {
    let value: string | undefined;
    for (const k of program.groupMap[g]!) value = raw[k - 1] ?? value;
    captures.push(value);
  }
  return captures;
}

function decodeCaptures(captures: (string | undefined)[]): (string | undefined)[] {
  return captures.map((c) => (c === undefined ? undefined : fromByteString(c)));
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, PcreRegex | RegexError>();

/** Compiles a PCRE2 pattern (cached by pattern and options); throws RegexError for a bad or refused pattern. */
export function compileRegex(pattern: string, opts: RegexOptions = {}): CompiledRegex {
  const key = (opts.caseless ? 'i:' : '-:') + pattern;
  let entry = cache.get(key);
  if (entry === undefined) {
    try {
      entry = new PcreRegex(pattern, opts.caseless ?? false);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      entry = e;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, entry);
  }
  if (entry instanceof RegexError) throw entry;
  return entry;
}
