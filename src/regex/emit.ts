// AST to the source text of the two engines tern runs patterns on.
// RE2 (re2js, linear time) takes everything but back references, lookahead,
// atomic groups and possessive quantifiers; JavaScript's RegExp (without
// flags: subjects are byte strings, so no 'u', and case folding is already
// expanded into the byte sets) takes everything, run under a time limit.

import type { ByteSet } from './byteset.ts';
import type { Node } from './ast.ts';
import { containsCapture, nullable } from './analyze.ts';

const hex2 = (c: number): string => c.toString(16).padStart(2, '0');
const PLAIN = /^[A-Za-z0-9_ ]$/;

type Dialect = 're2' | 'js';

function charText(c: number, dialect: Dialect): string {
  const ch = String.fromCharCode(c);
  if (PLAIN.test(ch)) return ch;
  return dialect === 're2' ? `\\x{${hex2(c)}}` : `\\x${hex2(c)}`;
}

function setText(set: ByteSet, dialect: Dialect): string {
  const single = set.single();
  if (single >= 0) return charText(single, dialect);
  const ranges = set.ranges();
  if (ranges.length === 0) return dialect === 're2' ? '[^\\x{0}-\\x{10FFFF}]' : '[]';
  if (ranges.length === 1 && ranges[0]![0] === 0 && ranges[0]![1] === 255) return dialect === 're2' ? '(?s:.)' : '[\\s\\S]';
  let body = '';
  for (const [lo, hi] of ranges) {
    body += charText(lo, dialect);
    if (hi > lo) body += (hi > lo + 1 ? '-' : '') + charText(hi, dialect);
  }
  return `[${body}]`;
}

function quantText(min: number, max: number, lazy: boolean): string {
  let q: string;
  if (min === 0 && max === Infinity) q = '*';
  else if (min === 1 && max === Infinity) q = '+';
  else if (min === 0 && max === 1) q = '?';
  else if (max === Infinity) q = `{${min},}`;
  else if (min === max) q = `{${min}}`;
  else q = `{${min},${max}}`;
  return lazy ? q + '?' : q;
}

/** How `$`/\Z is written for RE2: subject has no final newline ('end'), or only the final one ('lineEnd'). */
export type FinalNewlineMode = 'end' | 'lineEnd';

export interface Program {
  source: string;
  /**
   * Engine group numbers of each PCRE2 group (index 0 unused), in the order
   * emitted; a group can appear more than once (see emptyIteration), and its
   * value is that of the last copy that is set.
   */
  groupMap: number[][];
}

/**
 * PCRE2 lets an unlimited repeat end with one iteration that matches the
 * empty string, which sets the captures inside it (so (a*)* on "aaa" leaves
 * $1 empty); RE2 and JavaScript never take an empty iteration. Where that can
 * show (a nullable body holding captures) the emitters add one more
 * iteration as a trailing (?:body|).
 */
function needsEmptyIteration(n: Node & { type: 'repeat' }): boolean {
  return n.max === Infinity && n.mode !== 'lazy' && nullable(n.body) && containsCapture(n.body);
}

/** The engine group numbers given so far; atomic groups in JavaScript take numbers too. */
interface GroupNumbering {
  groupMap: number[][];
  next: number;
}

function newNumbering(pcreGroups: number, first: number): GroupNumbering {
  return { groupMap: Array.from({ length: pcreGroups + 1 }, () => []), next: first };
}

/** A greedy or lazy repeat (possessive ones are each emitter's own business). */
function repeatText(n: Node & { type: 'repeat' }, emit: (n: Node) => string): string {
  const loop = `(?:${emit(n.body)})${quantText(n.min, n.max, n.mode === 'lazy')}`;
  return needsEmptyIteration(n) ? `${loop}(?:${emit(n.body)}|)` : loop;
}

/** The nodes both engines write alike, or undefined for those each writes its own way. */
function emitShared(n: Node, emit: (n: Node) => string, dialect: Dialect, numbering: GroupNumbering): string | undefined {
  switch (n.type) {
    case 'empty': return '(?:)';
    case 'set': return setText(n.set, dialect);
    case 'seq': return n.items.map((i) => (i.type === 'alt' ? `(?:${emit(i)})` : emit(i))).join('');
    case 'alt': return n.alts.map(emit).join('|');
    case 'group': {
      if (n.index === null) return `(?:${emit(n.body)})`;
      numbering.groupMap[n.index]!.push(++numbering.next);
      return `(${emit(n.body)})`;
    }
    case 'repeat': return n.mode === 'possessive' ? undefined : repeatText(n, emit);
    default: return undefined;
  }
}

export function emitRe2(root: Node, groups: number, dollar: FinalNewlineMode): Program {
  return emitLinear(root, groups, dollar, 're2');
}

/**
 * The RE2 program written for JavaScript's RegExp (run by V8's fast engine,
 * with its linear-time engine as the fallback; see native.ts), or null for a
 * pattern with multiline anchors: JavaScript's multiline ^ and $ also see \r
 * as a line end, PCRE2 only \n.
 */
export function emitNative(root: Node, groups: number): Program | null {
  try {
    return emitLinear(root, groups, 'end', 'js');
  } catch (e) {
    if (e instanceof NoNativeForm) return null;
    throw e;
  }
}

class NoNativeForm extends Error {}

function emitLinear(root: Node, groups: number, dollar: FinalNewlineMode, dialect: Dialect): Program {
  const numbering = newNumbering(groups, 0);
  const js = dialect === 'js';
  const emit = (n: Node): string => {
    const shared = emitShared(n, emit, dialect, numbering);
    if (shared !== undefined) return shared;
    switch (n.type) {
      case 'repeat': throw new Error('RE2 cannot express a possessive quantifier');
      case 'assert':
        // without the m flag, JavaScript's ^ and $ are the ends of the subject
        switch (n.kind) {
          case 'start': return js ? '^' : '\\A';
          case 'end': return js ? '$' : '\\z';
          case 'endOrFinalNewline':
            if (dollar === 'end') return js ? '$' : '\\z';
            if (js) throw new NoNativeForm();
            return '(?m:$)';
          case 'lineStart': if (js) throw new NoNativeForm(); return '(?m:^)';
          case 'lineEnd': if (js) throw new NoNativeForm(); return '(?m:$)';
          case 'word': return '\\b';
          case 'notWord': return '\\B';
        }
        break;
      case 'look':
        if (!n.behind) throw new Error('RE2 cannot express lookahead');
        return `(?<${n.negate ? '!' : '='}${emit(n.body)})`;
      case 'atomic': throw new Error('RE2 cannot express an atomic group');
      case 'backref': throw new Error('RE2 cannot express a back reference');
    }
    throw new Error('unreachable');
  };
  const source = emit(root);
  return { source, groupMap: numbering.groupMap };
}

/**
 * nonEmpty: the variant ${sg} needs after an empty match at p, run sticky at
 * p: it captures the text before p as group 1 and refuses to end where it
 * started (PCRE2's NOTEMPTY_ATSTART). Its own groups then start at 2.
 */
export function emitJs(root: Node, pcreGroups: number, nonEmpty: boolean): Program {
  const numbering = newNumbering(pcreGroups, nonEmpty ? 1 : 0);
  const atomic = (inner: () => string): string => {
    // A lookahead is never re-entered by backtracking; consuming what it captured makes it atomic.
    const k = ++numbering.next;
    return `(?=(${inner()}))\\${k}`;
  };
  const emit = (n: Node): string => {
    const shared = emitShared(n, emit, 'js', numbering);
    if (shared !== undefined) return shared;
    switch (n.type) {
      case 'repeat': return atomic(() => repeatText(n, emit));
      case 'assert':
        switch (n.kind) {
          case 'start': return '(?<![\\s\\S])';
          case 'end': return '(?![\\s\\S])';
          case 'endOrFinalNewline': return '(?=\\n?(?![\\s\\S]))';
          case 'lineStart': return '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))';
          case 'lineEnd': return '(?=\\n|(?![\\s\\S]))';
          case 'word': return '\\b';
          case 'notWord': return '\\B';
        }
        break;
      case 'look': return `(?${n.behind ? '<' : ''}${n.negate ? '!' : '='}${emit(n.body)})`;
      case 'atomic': return atomic(() => emit(n.body));
      case 'backref': {
        // The divergence check (analyze.ts) lets through only groups emitted once.
        const ref = `\\${numbering.groupMap[n.index]![0]}`;
        return n.caseless ? `(?i:${ref})` : `(?:${ref})`;
      }
    }
    throw new Error('unreachable');
  };
  const body = emit(root);
  const source = nonEmpty ? `(?<=^([\\s\\S]*))(?:${body})(?<!^\\1)` : body;
  return { source, groupMap: numbering.groupMap };
}
