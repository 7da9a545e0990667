// The expansion items a redirect router can lock out of filter files
// (forbid_filter_lookup, _run, _readfile, _readsocket, _dlfunc, _perl,
// _existstest). The compiled expansion is searched before it is expanded,
// so text that only looks like an item (inside \N...\N) is not refused.

import { compileExpansion } from '../expand/index.ts';
import type { Cond, Seq } from '../expand/ast.ts';

export interface ForbiddenItems {
  lookup?: boolean;
  run?: boolean;
  readfile?: boolean;
  readsocket?: boolean;
  dlfunc?: boolean;
  perl?: boolean;
  existstest?: boolean;
}

/** Exim's words when a forbidden item is met. */
const MESSAGES = {
  lookup: 'lookup expansions are not permitted',
  run: 'running a command is not permitted',
  readfile: 'file insertions are not permitted',
  readsocket: 'socket insertions are not permitted',
  dlfunc: 'dynamically-loaded functions are not permitted',
  perl: 'Perl calls are not permitted',
  exists: 'File existence tests are not permitted',
  stat: 'Use of the stat() expansion is not permitted',
};

type Found = keyof typeof MESSAGES;

function inSeq(seq: Seq | undefined, f: ForbiddenItems): Found | undefined {
  if (!seq) return undefined;
  for (const n of seq) {
    let hit: Found | undefined;
    switch (n.k) {
      case 'op':
        hit = n.base === 'stat' && f.existstest ? 'stat' : inSeq(n.sub, f);
        break;
      case 'item': {
        const name = n.name as Found;
        if ((name === 'run' || name === 'readfile' || name === 'readsocket' || name === 'dlfunc' || name === 'perl') && f[name]) hit = name;
        else hit = (n.cond && inCond(n.cond, f)) || n.args.map((a) => inSeq(a, f)).find((x) => x);
        break;
      }
      case 'if':
        hit = inCond(n.cond, f) ?? inSeq(n.yes, f) ?? inSeq(n.no, f);
        break;
      case 'lookup':
        hit = f.lookup ? 'lookup' : inSeq(n.key, f) ?? inSeq(n.query, f) ?? inSeq(n.yes, f) ?? inSeq(n.no, f);
        break;
    }
    if (hit) return hit;
  }
  return undefined;
}

function inCond(c: Cond, f: ForbiddenItems): Found | undefined {
  switch (c.c) {
    case '!': return inCond(c.sub, f);
    case 'and': case 'or': return c.subs.map((s) => inCond(s, f)).find((x) => x);
    case 'forall': case 'forany': case 'forall_json': case 'forany_json': case 'forall_jsons': case 'forany_jsons':
      return inSeq(c.list, f) ?? inCond(c.sub, f);
    case 'args': case 'nested':
      if (c.name === 'exists' && f.existstest) return 'exists';
      return c.args.map((a) => inSeq(a, f)).find((x) => x);
    default: return undefined;
  }
}

/** Exim's message for the first forbidden item in an expansion string, or undefined when there is none. */
export function forbiddenItem(text: string, f: ForbiddenItems | undefined): string | undefined {
  if (!f || !Object.values(f).some(Boolean) || !text.includes('$')) return undefined;
  let seq: Seq;
  try {
    seq = compileExpansion(text).seq;
  } catch {
    return undefined; // the expansion itself reports the syntax error
  }
  const found = inSeq(seq, f);
  return found ? MESSAGES[found] : undefined;
}
