// Which addresses a rewrite rule applies to (spec "Flags specifying which
// headers and envelope addresses to rewrite"). A "where" names one place an
// address can appear: an envelope field, one of the six headers a flag
// selects (a Resent- header counts as its plain version), or the SMTP
// command itself ("S").

export type RewriteWhere = 'F' | 'T' | 'f' | 't' | 'c' | 'b' | 'r' | 's' | 'S';

const HEADER_WHERES = new Set<RewriteWhere>(['f', 't', 'c', 'b', 'r', 's']);
const PLACE_FLAGS = /[EFTbcfhrstS]/;

/** Whether a rule with these flags is considered for an address found at `where`. */
export function ruleAppliesTo(flags: string, where: RewriteWhere): boolean {
  if (where === 'S') return flags.includes('S');
  // no place flag at all: every header and both envelope fields
  if (!PLACE_FLAGS.test(flags)) return true;
  if (flags.includes(where)) return true;
  if ((where === 'F' || where === 'T') && flags.includes('E')) return true;
  return HEADER_WHERES.has(where) && flags.includes('h');
}

const HEADER_FLAG = new Map<string, RewriteWhere>([['from', 'f'], ['to', 't'], ['cc', 'c'], ['bcc', 'b'], ['reply-to', 'r'], ['sender', 's']]);

/** The where for a header line, by its name (case-insensitive); undefined for headers rules never touch. */
export function headerWhere(name: string): RewriteWhere | undefined {
  const n = name.toLowerCase();
  const base = n.startsWith('resent-') ? n.slice(7) : n;
  // there is no Resent-Reply-To: in RFC 2822
  if (base !== n && base === 'reply-to') return undefined;
  return HEADER_FLAG.get(base);
}
