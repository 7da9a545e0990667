// The parsed form of a PCRE2 pattern, engine-neutral. Literals, `.`,
// escapes like \d and classes all become byte sets, with case folding and
// the dotall option already applied, so the emitters never see options.

import type { ByteSet } from './byteset.ts';

export type Node =
  | { type: 'empty' }
  | { type: 'set'; set: ByteSet }
  | { type: 'seq'; items: Node[] }
  | { type: 'alt'; alts: Node[] }
  /** index: PCRE2 group number for capturing groups, null otherwise. */
  | { type: 'group'; index: number | null; body: Node }
  | { type: 'repeat'; body: Node; min: number; max: number; mode: RepeatMode }
  | { type: 'assert'; kind: AssertKind }
  | { type: 'look'; behind: boolean; negate: boolean; body: Node }
  | { type: 'atomic'; body: Node }
  | { type: 'backref'; index: number; caseless: boolean };

export type RepeatMode = 'greedy' | 'lazy' | 'possessive';

/**
 * start: \A and ^ without multiline; end: \z; endOrFinalNewline: \Z and $
 * without multiline; lineStart / lineEnd: ^ and $ in multiline mode;
 * word / notWord: \b and \B.
 */
export type AssertKind = 'start' | 'end' | 'endOrFinalNewline' | 'lineStart' | 'lineEnd' | 'word' | 'notWord';

export interface ParsedPattern {
  root: Node;
  /** Number of capturing groups. */
  groups: number;
  /** Group names to numbers. */
  names: Map<string, number>;
}

export const INFINITE = Number.POSITIVE_INFINITY;
