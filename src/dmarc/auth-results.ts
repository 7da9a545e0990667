// ${authresults} (src/expand/items.ts) appends the lines of the variable
// authresults_parts after its authserv-id. SPF, DKIM and DMARC each own one
// method there (Exim's order: spf, dkim, dmarc, arc); a later check of the same
// method replaces its earlier text instead of adding to it.

import type { ExpandContext } from '../expand/context.ts';

export type AuthMethod = 'spf' | 'dkim' | 'dmarc' | 'arc';

const ORDER: readonly AuthMethod[] = ['spf', 'dkim', 'dmarc', 'arc'];
const parts = new WeakMap<ExpandContext, Map<AuthMethod, string>>();

/** Record a method's result text (one "method=result ..." per line; empty to drop it). */
export function setAuthResultsPart(ctx: ExpandContext, method: AuthMethod, text: string): void {
  let mine = parts.get(ctx);
  if (!mine) parts.set(ctx, (mine = new Map()));
  if (text) mine.set(method, text);
  else mine.delete(method);
  const joined = ORDER.map((m) => mine.get(m)).filter((t): t is string => !!t).join('\n');
  if (joined) ctx.vars.set('authresults_parts', { value: joined, tainted: true });
  else ctx.vars.delete('authresults_parts');
}
