// Matching a rewrite rule's pattern (spec "Rewriting patterns"): the pattern
// is a one-item address list, expanded first, matched by the list code in
// src/lists. What this module adds is the numeric variables a rewrite's
// replacement sees, which depend on the kind of pattern:
//   ^regex              $0 the address, $1... the regex's groups
//   *local@domain       $1 what the local part's "*" stood for, then
//   [local@]*domain     the domain's wild part (a "*" or regex domain, or a
//                       named list's matching item), or for a partial
//                       lookup the domain's wild and fixed parts
//   lookups and @@      no numeric variables at all (as Exim 4.98)

import { expandString } from '../expand/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { matchAddressList } from '../lists/index.ts';
import { isLookupType } from '../lists/address.ts';
import { runLookup } from '../lookups/helpers.ts';
import { asciiLower } from '../lookups/lsearch-format.ts';
import { parseLookupSpec } from '../lookups/spec.ts';

export interface PatternMatch {
  /** $0, $1...; empty when the kind of pattern sets none. */
  numeric: string[];
}

/** A pattern is one list item: its colons must not split it. */
function asOneItemList(pattern: string): string {
  return pattern.replaceAll(':', '::');
}

/** The domain's wild and fixed parts for a partial lookup item, or undefined when the item is not one. */
function partialParts(domainItem: string, domain: string, ctx: ExpandContext): string[] | undefined {
  const semi = domainItem.indexOf(';');
  if (semi < 0) return undefined;
  try {
    const spec = parseLookupSpec(domainItem.slice(0, semi).trim());
    if (!spec.partial || spec.driver.style === 'query') return undefined;
    const found = runLookup(spec, domain, ctx, { file: domainItem.slice(semi + 1).trim() });
    return found?.numbered ? [...found.numbered] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Match `address` against a rule's pattern. Returns undefined when it does
 * not match (a pattern that fails to expand or a lookup that defers does not
 * match either).
 */
export function matchRewritePattern(address: string, pattern: string, ctx: ExpandContext): PatternMatch | undefined {
  let item: string;
  try {
    item = expandString(pattern, ctx).trim();
  } catch {
    return undefined;
  }
  // local parts in patterns are case-sensitive
  const m = matchAddressList(address, asOneItemList(item), ctx, { caseful: true });
  if (m.result !== 'ok') return undefined;
  let bare = item;
  while (bare[0] === '!') bare = bare.slice(1).trimStart();
  if (bare !== item) return { numeric: [] };
  if (bare[0] === '^') return { numeric: [address, ...(m.captures ?? []).slice(1)] };
  const semi = bare.indexOf(';');
  const at = bare.indexOf('@');
  if (bare.startsWith('@@') || (semi >= 0 && (at < 0 || at > semi || isLookupType(bare.slice(0, semi).trim())))) return { numeric: [] };
  const numeric = [address];
  const addrAt = address.lastIndexOf('@');
  const local = addrAt < 0 ? address : address.slice(0, addrAt);
  const domain = addrAt < 0 ? '' : asciiLower(address.slice(addrAt + 1));
  const localPattern = at < 0 ? undefined : bare.slice(0, at);
  const domainPattern = at < 0 ? bare : bare.slice(at + 1);
  if (localPattern?.[0] === '*') numeric.push(local.slice(0, local.length - (localPattern.length - 1)));
  const parts = partialParts(domainPattern, domain, ctx);
  if (parts) numeric.push(...parts);
  else if (domainPattern[0] === '*' || domainPattern[0] === '^' || domainPattern[0] === '+') numeric.push(...(m.captures ?? []).slice(1));
  return { numeric };
}
