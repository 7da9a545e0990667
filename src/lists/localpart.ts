// Local-part lists: the string items of string-item.ts, caseless until a
// "+caseful" item (which also reaches into named lists it refers to).

import type { ExpandContext } from '../expand/context.ts';
import { matchStringItem } from './string-item.ts';
import type { ListMatch } from './types.ts';
import { newWalkState, walkList, type ListKind, type ListOptions, type WalkState } from './walk.ts';

export function casefulSpecial(item: string, state: WalkState): boolean {
  if (item !== '+caseful') return false;
  state.caseful = true;
  return true;
}

function localPartKind(localPart: string): ListKind {
  return {
    kind: 'localpart',
    word: 'local part',
    comments: 'after-space',
    special: casefulSpecial,
    matchItem: (item, state) => matchStringItem(localPart, item, state.ctx, !state.caseful),
    subjectKey: () => localPart,
    traceName: localPart,
  };
}

/** opts.caseful: start case-sensitive (a router with caseful_local_part). */
export function matchLocalPartList(localPart: string, listText: string, ctx: ExpandContext, opts: ListOptions & { caseful?: boolean } = {}): ListMatch {
  return walkList(listText, localPartKind(localPart), newWalkState(ctx, opts.caseful ?? false, opts), opts.label);
}
