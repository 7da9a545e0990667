// -t: recipients taken from To:, Cc: and Bcc: (or, when the message has any
// Resent- headers, from Resent-To:, Resent-Cc: and Resent-Bcc:). Command
// line addresses are then removed from the list (or added, with
// extract_addresses_remove_arguments false).

import { findAddressEnd, extractAddress, type GroupState } from '../expand/operators/address.ts';
import { decodeBytes } from '../expand/operators/bytes.ts';
import { headerName, headerValue, isResentHeader } from '../mail/headers.ts';

export interface ExtractResult {
  recipients: string[];
  /** Addresses that could not be parsed, with the parser's reason. */
  errors: { address: string; error: string }[];
}

/** Addresses of the To/Cc/Bcc (or Resent-) header lines, in order, unqualified ones qualified. */
export function extractRecipients(headers: string[], qualifyRecipient: string | undefined): ExtractResult {
  const resent = headers.some(isResentHeader);
  const wanted = resent ? ['resent-to', 'resent-cc', 'resent-bcc'] : ['to', 'cc', 'bcc'];
  const recipients: string[] = [];
  const errors: ExtractResult['errors'] = [];
  for (const h of headers) {
    if (!wanted.includes((headerName(h) ?? '').toLowerCase())) continue;
    const value = decodeBytes(Buffer.from(headerValue(h), 'latin1')).replace(/\n([ \t])/g, '$1').replace(/\n$/, '');
    const group: GroupState = { allowGroup: true, foundGroup: false };
    let pos = 0;
    for (;;) {
      const end = findAddressEnd(value, pos);
      const item = value.slice(pos, end);
      if (item.trim() !== '') {
        const r = extractAddress(item, false, group);
        if ('error' in r) {
          if (!/^\s*[^:]*:\s*;?\s*$/.test(item) && r.error !== 'empty address') errors.push({ address: item.trim(), error: r.error });
        } else if (r.address !== '') {
          recipients.push(r.domainStart === 0 && qualifyRecipient !== undefined ? `${r.address}@${qualifyRecipient}` : r.address);
        }
      }
      if (end >= value.length) break;
      pos = end + 1;
    }
  }
  return { recipients, errors };
}

/** Equality of addresses as Exim compares them here: caseless domain, caseful local part. */
export function sameAddress(a: string, b: string): boolean {
  const ia = a.lastIndexOf('@');
  const ib = b.lastIndexOf('@');
  if (ia < 0 || ib < 0) return a === b;
  return a.slice(0, ia) === b.slice(0, ib) && a.slice(ia + 1).toLowerCase() === b.slice(ib + 1).toLowerCase();
}
