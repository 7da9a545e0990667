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

/**
 * The kind of a list whose subject is one text (a local part or a whole
 * address): comments only after white space, caseless until "+caseful".
 */
export function textSubjectKind(
  kind: 'localpart' | 'address', word: string, subject: string, matchItem: ListKind['matchItem'],
): ListKind {
  return { kind, word, comments: 'after-space', special: casefulSpecial, matchItem, subjectKey: () => subject, traceName: subject };
}

function localPartKind(localPart: string): ListKind {
  return textSubjectKind('localpart', 'local part', localPart,
    (item, state) => matchStringItem(localPart, item, state.ctx, !state.caseful));
}

/** opts.caseful: start case-sensitive (a router with caseful_local_part). */
export function matchLocalPartList(localPart: string, listText: string, ctx: ExpandContext, opts: ListOptions & { caseful?: boolean } = {}): ListMatch {
  return walkList(listText, localPartKind(localPart), newWalkState(ctx, opts.caseful ?? false, opts), opts.label);
}
