// Address lists. The domain is always compared caselessly; the local part
// too until "+caseful". Items:
//   ""                 the empty address (bounce sender)
//   ^regex             against the whole address
//   type;data          lookup of the whole address (no partial; "*@" works)
//   @@type;data        look the domain up; the data is a list of local-part
//                      patterns, whose last item may be ">key" to chain on
//   local@domain       local part literal or "*suffix"; domain as a domain-list item
//   domain             same as *@domain

import type { ExpandContext } from '../expand/context.ts';
import { runLookup } from '../lookups/helpers.ts';
import { asciiLower } from '../lookups/lsearch-format.ts';
import { parseLookupSpec } from '../lookups/spec.ts';
import { LookupDefer, LookupError, LookupOpenError } from '../lookups/types.ts';
import { PanicDie } from '../log/panic-die.ts';
import { domainKind, matchDomainItem, matchDomainList } from './domain.ts';
import { textSubjectKind } from './localpart.ts';
import { splitList } from './split.ts';
import { lookupItem, matchStringItem, regexOutcome, splitLookupItem, starOutcome } from './string-item.ts';
import { FAIL, type ItemOutcome, type ListMatch } from './types.ts';
import { newWalkState, walkList, type ListKind, type ListOptions, type WalkState } from './walk.ts';

interface AddressParts {
  address: string;
  /** -1 when there is no '@'. */
  at: number;
  local: string;
  localLower: string;
  domain: string;
}

function split(address: string): AddressParts {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  return { address, at, local, localLower: asciiLower(local), domain: at < 0 ? '' : asciiLower(address.slice(at + 1)) };
}

function subjectText(a: AddressParts, caseful: boolean): string {
  if (a.at < 0) return caseful ? a.address : a.localLower;
  return `${caseful ? a.local : a.localLower}@${a.domain}`;
}

const MAX_CHAIN = 50;

function matchAtAt(a: AddressParts, item: string, state: WalkState): ItemOutcome {
  const lk = splitLookupItem(item.slice(2));
  if (!lk) return { r: 'defer', message: `missing ";" after "@@" in "${item}"` };
  if (a.at < 0 || a.address === '') return FAIL;
  const local = state.caseful ? a.local : a.localLower;
  try {
    const spec = parseLookupSpec(lk.type);
    const query = spec.driver.style === 'query';
    const find = (key: string): string | null =>
      (query ? runLookup(spec, lk.data, state.ctx) : runLookup(spec, key, state.ctx, { file: lk.data }))?.value ?? null;
    let value = find(a.domain);
    for (let hop = 0; value !== null; hop++) {
      if (hop >= MAX_CHAIN) return { r: 'defer', message: `Loop detected in lookup of local part of ${a.address} in ${item}` };
      const items = splitList(value);
      let chain: string | undefined;
      let lastNegated = false;
      for (let i = 0; i < items.length; i++) {
        let pat = items[i];
        if (i === items.length - 1 && pat[0] === '>' && !query) {
          chain = pat.slice(1).trim();
          break;
        }
        let negated = false;
        while (pat[0] === '!') {
          negated = !negated;
          pat = pat.slice(1).trimStart();
        }
        lastNegated = negated;
        const out = matchStringItem(local, pat, state.ctx, !state.caseful);
        if (out.r === 'ok') return negated ? FAIL : { r: 'ok', data: value };
        if (out.r !== 'fail') return out;
      }
      if (chain === undefined) return lastNegated ? { r: 'ok', data: value } : FAIL;
      value = find(chain);
    }
    return FAIL;
  } catch (err) {
    // a file that cannot be opened is fatal in a list, as in Exim
    if (err instanceof LookupOpenError) throw new PanicDie(err.message);
    if (err instanceof LookupDefer || err instanceof LookupError) return { r: 'defer', message: err.message };
    throw err;
  }
}

/** "lsearch*@;..." has an '@' before its ';' but is a lookup, not local@domain. */
export function isLookupType(text: string): boolean {
  try {
    parseLookupSpec(text);
    return true;
  } catch {
    return false;
  }
}

function matchLocalPattern(a: AddressParts, pattern: string, caseful: boolean): boolean {
  const local = caseful ? a.local : a.localLower;
  if (pattern[0] === '*') return starOutcome(local, pattern, !caseful).r === 'ok';
  return caseful ? local === pattern : local === asciiLower(pattern);
}

export function matchAddressItem(a: AddressParts, item: string, state: WalkState): ItemOutcome {
  const ctx = state.ctx;
  if (item === '') {
    if (a.address === '') return { r: 'ok', data: '' };
    // Exim checks the domain against the (empty) domain part, as its trace shows.
    if (state.tracer && a.at >= 0) walkList('', domainKind(a.domain), { ...state, level: state.level + 1 }, undefined, true);
    return FAIL;
  }
  // A whole-address regex sets no $value in Exim.
  if (item[0] === '^') return withData(regexOutcome(subjectText(a, state.caseful), item, !state.caseful), '');
  const semi = item.indexOf(';');
  if (item.startsWith('@@') && semi >= 0) return matchAtAt(a, item, state);
  const atInItem = item.indexOf('@');
  if (semi >= 0 && (atInItem < 0 || atInItem > semi || isLookupType(item.slice(0, semi).trim()))) {
    const lk = splitLookupItem(item)!;
    let query: boolean;
    try {
      query = parseLookupSpec(lk.type).driver.style === 'query';
    } catch (err) {
      return { r: 'defer', message: err instanceof Error ? err.message : String(err) };
    }
    if (!query && a.address === '') return FAIL;
    // Whole-address lookups ignore "partial-" (Exim logs that it did).
    return lookupItem(lk.type, lk.data, subjectText(a, state.caseful), ctx, true);
  }
  if (a.address === '' || a.at < 0) return FAIL;
  // The pattern's local part ends at its first '@'. $value is then
  // "<local pattern>@<the domain match's value>" (Exim 4.98 takes as many
  // characters of the pattern as the subject's local part has, which agrees
  // whenever the two local parts are the same length; we take the pattern's
  // local part whole).
  const patternAt = atInItem;
  const localPattern = patternAt < 0 ? '' : item.slice(0, patternAt);
  const dp = patternAt < 0 ? item : item.slice(patternAt + 1);
  if (patternAt >= 0 && !matchLocalPattern(a, localPattern, state.caseful)) return FAIL;
  let out: ItemOutcome;
  if (state.tracer) {
    // Exim matches the domain part as a one-item domain list, which shows in the trace.
    const m = walkList(dp, domainKind(a.domain), { ...state, cache: undefined, wantData: false, depth: state.depth + 1, level: state.level + 1 }, undefined, true);
    out = { r: m.result, data: m.data, message: m.message, captures: m.captures };
  } else if (dp[0] === '+') {
    const m = matchDomainList(a.domain, dp, ctx);
    out = { r: m.result, data: m.data, message: m.message, captures: m.captures };
  } else if (patternAt < 0 && item[0] === '*') {
    // A bare domain pattern is the same as "*@pattern".
    out = starOutcome(a.domain, item, true);
  } else {
    out = matchDomainItem(a.domain, dp, ctx);
  }
  // Exim's value keeps only as many characters of the local pattern as the subject's local part
  // has, and is set even when the domain then fails to match: its trace shows that value.
  const traceData = patternAt < 0 ? undefined : `${localPattern.slice(0, a.local.length)}@${out.r === 'ok' ? out.data ?? '' : ''}`;
  return out.r === 'ok' ? { ...out, data: `${localPattern}@${out.data ?? ''}`, traceData } : { ...out, traceData };
}

function withData(out: ItemOutcome, data: string): ItemOutcome {
  return out.r === 'ok' ? { ...out, data } : out;
}

function addressKind(a: AddressParts): ListKind {
  return textSubjectKind('address', 'address', a.address, (item, state) => matchAddressItem(a, item, state));
}

export function matchAddressList(address: string, listText: string, ctx: ExpandContext, opts: ListOptions = {}): ListMatch {
  return walkList(listText, addressKind(split(address)), newWalkState(ctx, opts.caseful ?? false, opts), opts.label);
}
