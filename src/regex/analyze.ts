// Facts about a parsed pattern that decide which engine can run it exactly.

import type { Node } from './ast.ts';

export interface Features {
  /** Constructs RE2 cannot express: back references, lookahead, atomic groups, possessive quantifiers. */
  needsBacktracking: boolean;
  /** A counted repeat above RE2's limit of 1000. */
  bigRepeat: boolean;
  /** `$`/\Z or multiline `^`: RE2 can run these exactly only if the subject does not end in a newline. */
  finalNewlineSensitive: boolean;
  /** Multiline `^`, which RE2 cannot keep from matching after a final newline. */
  lineStart: boolean;
  /** The pattern may prefer an empty match where a non-empty one exists at the same place (matters to ${sg}). */
  mayPreferEmpty: boolean;
}

export function features(root: Node): Features {
  const f: Features = { needsBacktracking: false, bigRepeat: false, finalNewlineSensitive: false, lineStart: false, mayPreferEmpty: false };
  const walk = (n: Node): void => {
    switch (n.type) {
      case 'empty': case 'set': return;
      case 'seq': n.items.forEach(walk); return;
      case 'alt':
        n.alts.forEach((a, i) => { if (i < n.alts.length - 1 && nullable(a)) f.mayPreferEmpty = true; walk(a); });
        return;
      case 'group': walk(n.body); return;
      case 'repeat':
        if (n.mode === 'possessive') f.needsBacktracking = true;
        if (n.mode === 'lazy' || nullable(n.body)) f.mayPreferEmpty = true;
        if (n.min > 1000 || (n.max !== Infinity && n.max > 1000)) f.bigRepeat = true;
        walk(n.body);
        return;
      case 'assert':
        if (n.kind === 'endOrFinalNewline' || n.kind === 'lineStart') f.finalNewlineSensitive = true;
        if (n.kind === 'lineStart') f.lineStart = true;
        return;
      case 'look':
        f.mayPreferEmpty = true;
        if (!n.behind || containsCapture(n.body)) f.needsBacktracking = true;
        walk(n.body);
        return;
      case 'atomic': f.needsBacktracking = true; walk(n.body); return;
      case 'backref': f.needsBacktracking = true; return;
    }
  };
  walk(root);
  return f;
}

export function nullable(n: Node): boolean {
  switch (n.type) {
    case 'empty': case 'assert': case 'look': return true;
    case 'set': return false;
    case 'seq': return n.items.every(nullable);
    case 'alt': return n.alts.some(nullable);
    case 'group': case 'atomic': return nullable(n.body);
    case 'repeat': return n.min === 0 || nullable(n.body);
    case 'backref': return true;
  }
}

export function containsCapture(n: Node): boolean {
  switch (n.type) {
    case 'group': return n.index !== null || containsCapture(n.body);
    case 'seq': return n.items.some(containsCapture);
    case 'alt': return n.alts.some(containsCapture);
    case 'repeat': case 'atomic': case 'look': return containsCapture(n.body);
    default: return false;
  }
}

/** Capturing groups within a node. */
function capturesIn(n: Node, out: number[] = []): number[] {
  switch (n.type) {
    case 'group': if (n.index !== null) out.push(n.index); capturesIn(n.body, out); break;
    case 'seq': n.items.forEach((i) => capturesIn(i, out)); break;
    case 'alt': n.alts.forEach((a) => capturesIn(a, out)); break;
    case 'repeat': case 'atomic': case 'look': capturesIn(n.body, out); break;
    default: break;
  }
  return out;
}

/**
 * Where JavaScript's RegExp would give a different answer from PCRE2, a
 * description of it, else null. Two differences exist for the constructs we
 * emit: a back reference to a group that has not been set matches the empty
 * string in JavaScript but fails in PCRE2; and JavaScript clears the groups
 * inside a repeated group at each iteration where PCRE2 keeps the last value.
 * We accept a pattern only where neither can show.
 */
export function jsDivergence(root: Node): string | null {
  let problem: string | null = null;
  // Groups the emitters write twice (emit.ts, needsEmptyIteration): a back reference could not say which copy.
  const duplicated = new Set<number>();
  const walk = (n: Node, before: ReadonlySet<number>): Set<number> => {
    switch (n.type) {
      case 'empty': case 'set': case 'assert': return new Set(before);
      case 'backref':
        if (!before.has(n.index)) problem ??= 'a back reference to a group that may be unset at that point';
        if (duplicated.has(n.index)) problem ??= 'a back reference to a group in a repetition that can match empty';
        return new Set(before);
      case 'seq': {
        let cur = new Set(before);
        for (const item of n.items) cur = walk(item, cur);
        return cur;
      }
      case 'alt': {
        const outs = n.alts.map((a) => walk(a, before));
        return new Set([...outs[0]!].filter((g) => outs.every((o) => o.has(g))));
      }
      case 'group': {
        const out = walk(n.body, before);
        if (n.index !== null) out.add(n.index);
        return out;
      }
      case 'atomic': return walk(n.body, before);
      case 'look': {
        const out = walk(n.body, before);
        return n.negate ? new Set(before) : out;
      }
      case 'repeat': {
        if (n.max === Infinity && nullable(n.body)) for (const g of capturesIn(n.body)) duplicated.add(g);
        const out = walk(n.body, before);
        if (n.max > 1) {
          for (const g of capturesIn(n.body)) {
            if (!definitelySets(n.body, g)) problem ??= 'a capturing group inside a repetition that may leave it unset';
          }
        }
        return n.min >= 1 ? out : new Set(before);
      }
    }
  };
  walk(root, new Set());
  return problem;
}

function definitelySets(n: Node, g: number): boolean {
  switch (n.type) {
    case 'group': return n.index === g || definitelySets(n.body, g);
    case 'seq': return n.items.some((i) => definitelySets(i, g));
    case 'alt': return n.alts.every((a) => definitelySets(a, g));
    case 'repeat': return n.min >= 1 && definitelySets(n.body, g);
    case 'atomic': return definitelySets(n.body, g);
    case 'look': return !n.negate && definitelySets(n.body, g);
    default: return false;
  }
}
