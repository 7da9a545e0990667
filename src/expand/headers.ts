// $header_x:, $bheader_x:, $rheader_x:, $lheader_x: over ctx.headers (raw
// "Name: value\n" lines, continuation lines included). Header content from
// a message is tainted.

import type { ExpandContext, VarValue } from './context.ts';
import type { HeaderKind } from './ast.ts';
import { OPERATORS } from './operators/index.ts';

const NONE: VarValue = { value: '', tainted: false };
/** Headers holding address lists: a comma joins repeated ones. */
const ADDRESS_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'resent-from', 'resent-to',
  'resent-cc', 'resent-bcc', 'resent-reply-to', 'resent-sender']);
const LIMIT = 64 * 1024;

/** The raw content (after the colon) of every header with this name, in order. */
export function headerContents(ctx: ExpandContext, name: string): string[] {
  const out: string[] = [];
  const headers = ctx.headers;
  if (!headers) return out;
  const lname = name.toLowerCase();
  for (const h of headers) {
    const colon = h.indexOf(':');
    if (colon !== name.length) continue;
    if (h.slice(0, colon).toLowerCase() !== lname) continue;
    out.push(h.slice(colon + 1));
  }
  return out;
}

export function headerExists(ctx: ExpandContext, name: string): boolean {
  return headerContents(ctx, name).length > 0;
}

export function readHeader(ctx: ExpandContext, kind: HeaderKind, name: string): VarValue {
  const found = headerContents(ctx, name);
  if (found.length === 0) return NONE;
  let value: string;
  if (kind === 'rh') {
    value = found.join('');
  } else if (kind === 'lh') {
    value = found.map((c) => (c.endsWith('\n') ? c.slice(0, -1) : c).split(':').join('::')).join(':');
  } else {
    const parts: string[] = [];
    for (const c of found) {
      const t = c.trim();
      if (t !== '') parts.push(t);
    }
    value = parts.join(ADDRESS_HEADERS.has(name.toLowerCase()) ? ',\n' : '\n');
    const decode = OPERATORS.get('rfc2047d');
    if (decode && value.includes('=?')) {
      try {
        value = decode(value, ctx);
      } catch {
        // Exim returns the raw string when decoding fails.
      }
    }
    value = value.replace(/\0/g, '?');
  }
  if (value.length > LIMIT) value = value.slice(0, LIMIT);
  return { value, tainted: true };
}
