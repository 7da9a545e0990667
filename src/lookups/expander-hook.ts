// wildlsearch keys and named lists are string-expanded when used, but the
// expander imports lookups and lists: to keep the import graph acyclic the
// expander registers itself here at start-up (setStringExpander) instead.

import type { ExpandContext } from '../expand/context.ts';

export type StringExpander = (text: string, ctx: ExpandContext) => string;

let expander: StringExpander | undefined;

export function setStringExpander(fn: StringExpander): void {
  expander = fn;
}

/** Does text need the expander at all? Text without '$' or '\' expands to itself. */
export function needsExpansion(text: string): boolean {
  return text.includes('$') || text.includes('\\');
}

export function expandWithHook(text: string, ctx: ExpandContext): string {
  if (!needsExpansion(text)) return text;
  if (!expander) throw new Error('string expansion inside lists/wildlsearch needs the expander: call setStringExpander() first');
  return expander(text, ctx);
}
