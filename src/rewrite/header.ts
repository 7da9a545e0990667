// Rewriting the addresses in one header line. Each address item of the
// header's value is rewritten on its own: only its working part is replaced,
// so phrases, comments and the rest of the line stay as they were, unless
// the rule had "w", when its whole replacement stands for the whole item.
// Unqualified addresses are left alone unless the caller says how to
// qualify them (local messages), which happens before rewriting.

import { extractAddressWithSpan, findAddressEnd, type GroupState } from '../expand/operators/address.ts';
import type { RewriteRule } from '../config/index.ts';
import { rewriteAddress, type RewriteEnv } from './engine.ts';
import { headerWhere } from './where.ts';

/** Domains for unqualified addresses in headers (local messages): sender-side and recipient-side headers. */
export interface HeaderQualify {
  /** undefined: leave those unqualified */
  sender?: string;
  recipient?: string;
}

/**
 * A rewritten item that ends further along its line than this is followed by
 * a fold before the next item (what exim4 4.98 does, measured with -bs).
 */
const FOLD_AFTER = 38;

function foldedColumn(text: string): number {
  return text.length - (text.lastIndexOf('\n') + 1);
}

/**
 * Rewrite a raw header line ("Name: value\n", folded or not). Returns the new
 * line, or undefined when the header is not one rules apply to or nothing changed.
 */
export function rewriteHeaderLine(line: string, rules: readonly RewriteRule[], env: RewriteEnv, qualify?: HeaderQualify): string | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const where = headerWhere(line.slice(0, colon).trim());
  if (where === undefined) return undefined;
  const value = line.slice(colon + 1);
  const group: GroupState = { allowGroup: true, foundGroup: false };
  const name = line.slice(0, colon + 1);
  let out = '';
  let changed = false;
  let pos = 0;
  let breakNext = false;
  for (;;) {
    const end = findAddressEnd(value, pos, false);
    let item = value.slice(pos, end);
    if (breakNext) {
      // the item goes on a new line: its leading white space stays, then a fold
      const lead = /^[ \t]*/.exec(item)![0];
      if (item[lead.length] !== '\n') item = `${lead}\n\t${item.slice(lead.length)}`;
      breakNext = false;
    }
    const done = rewriteItem(item);
    out += done;
    if (end >= value.length) break;
    if (done !== item && foldedColumn(name + out.trimEnd()) > FOLD_AFTER) breakNext = true;
    out += value[end];
    pos = end + 1;
  }
  return changed ? `${name}${out}` : undefined;

  function rewriteItem(item: string): string {
    const parsed = extractAddressWithSpan(item, false, group);
    if ('error' in parsed) return item;
    let address = parsed.address;
    const unqualified = parsed.domainStart === 0;
    if (unqualified) {
      const domain = where === 'f' || where === 's' || where === 'r' ? qualify?.sender : qualify?.recipient;
      if (domain === undefined || address === '') return item;
      address += `@${domain}`;
    }
    const r = rewriteAddress(address, where!, rules, env);
    if (!r.changed && !unqualified) return item;
    changed = true;
    if (r.whole !== undefined) {
      // keep the white space (and line folding) around the item
      const lead = /^\s*/.exec(item)![0];
      const trail = /\s*$/.exec(item)![0];
      return `${lead}${r.whole}${trail}`;
    }
    return `${item.slice(0, parsed.start)}${r.address}${item.slice(parsed.end)}`;
  }
}
