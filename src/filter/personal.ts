// The "personal" test (filter.xfpt, "Details of the personal condition"):
// the message is not a bounce, has no List-* header, is not auto-submitted
// or bulk, is addressed to the user in To: (and, for Sieve, Cc:/Bcc:), and
// is not from the user or a daemon-like sender.

import { extractAddress, findAddressEnd, type GroupState } from '../expand/operators/address.ts';
import { headerNameEnd } from '../mail/headers.ts';
import { compileRegex } from '../regex/index.ts';

export interface PersonalInput {
  headers: readonly string[];
  localPart: string;
  domain: string;
  prefix?: string;
  suffix?: string;
  /** Envelope sender; empty for a bounce. */
  sender: string | undefined;
  /** Further addresses that count as the user's ("personal alias ..."). */
  aliases: readonly string[];
  /** Also look in Cc: and Bcc: (Sieve's vacation does; Exim filters do not). */
  scanCc?: boolean;
}

/** Senders that mark a message as not personal: regular expressions, matched without regard to case. */
const DAEMON_SENDERS = ['^server@', '^daemon@', '^root@', '^listserv@', '^majordomo@', '^.*?-request@', '^owner-[^@]+@'];

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** A pattern starting "^" is a regular expression; anything else must equal the whole address. */
function matchesPattern(address: string, pattern: string): boolean {
  if (pattern.startsWith('^')) return compileRegex(pattern, { caseless: true }).test(address);
  return lower(address) === lower(pattern);
}

function headerValues(headers: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const h of headers) {
    const e = headerNameEnd(h);
    if (e && e.nameEnd === name.length && lower(h.slice(0, e.nameEnd)) === name) out.push(h.slice(e.colon + 1));
  }
  return out;
}

function addressesOf(value: string): string[] {
  const out: string[] = [];
  const group: GroupState = { allowGroup: true, foundGroup: false };
  let pos = 0;
  const text = value.replace(/\n$/, '');
  while (pos <= text.length) {
    const end = findAddressEnd(text, pos);
    const r = extractAddress(text.slice(pos, end), false, group);
    if (!('error' in r) && r.address !== '') out.push(r.address);
    pos = end + 1;
  }
  return out;
}

/** Whether any address in the named headers matches any pattern. */
function anyAddressMatches(headers: readonly string[], names: string[], patterns: string[]): boolean {
  for (const name of names) {
    for (const v of headerValues(headers, name)) {
      for (const a of addressesOf(v)) if (patterns.some((p) => matchesPattern(a, p))) return true;
    }
  }
  return false;
}

/** Whether any value of the header matches any of the (caseless) regular expressions. */
function anyValueMatches(headers: readonly string[], name: string, patterns: string[]): boolean {
  return headerValues(headers, name).some((v) => patterns.some((p) => compileRegex(p, { caseless: true }).test(v)));
}

export function isPersonal(p: PersonalInput): boolean {
  for (const h of p.headers) if (h.length > 5 && lower(h.slice(0, 5)) === 'list-') return false;
  const self = `${p.localPart}@${p.domain}`;
  const selves = [self];
  if (p.prefix || p.suffix) selves.push(`${p.prefix ?? ''}${p.localPart}${p.suffix ?? ''}@${p.domain}`);
  const toNames = p.scanCc ? ['to', 'cc', 'bcc'] : ['to'];
  if (!anyAddressMatches(p.headers, toNames, [...selves, ...p.aliases])) return false;
  if (anyAddressMatches(p.headers, ['from'], [...DAEMON_SENDERS, ...selves, ...p.aliases])) return false;
  if (anyValueMatches(p.headers, 'auto-submitted', ['auto-'])) return false;
  if (anyValueMatches(p.headers, 'precedence', ['bulk', 'list', 'junk'])) return false;
  return p.sender === undefined || p.sender !== '';
}
