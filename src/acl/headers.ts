// add_header and remove_header: what the ACL asks for is accumulated on the
// message state; applyHeaderChanges() is what reception calls to carry it
// out on the message's header lines (section "Adding header lines in ACLs").

import type { AddedHeader } from './types.ts';
import type { RunState } from './state.ts';
import { compileRegex } from '../regex/index.ts';
import { splitList } from '../lists/index.ts';

const POSITIONS: [string, AddedHeader['position']][] = [
  [':after_received:', 'after_received'],
  [':at_start_rfc:', 'at_start_rfc'],
  [':at_start:', 'at_start'],
  [':at_end:', 'end'],
];

/** Split add_header text into header lines and queue the new ones (Exim's setup_header). */
export function addHeaderText(st: RunState, text: string): void {
  addHeaders(st.actx.msg.headersToAdd, text);
}

export function addHeaders(list: AddedHeader[], text: string): void {
  let s = text.replace(/^\n+/, '');
  if (s === '') return;
  s = s.replace(/\n+$/, '') + '\n';
  let p = 0;
  while (p < s.length) {
    // the header runs to a newline not followed by white space
    let q = p;
    for (;;) {
      q = s.indexOf('\n', q) + 1;
      if (q >= s.length || (s[q] !== ' ' && s[q] !== '\t')) break;
    }
    let line = s.slice(p, q);
    let position: AddedHeader['position'] = 'end';
    if (line.startsWith(':')) {
      const lower = line.toLowerCase();
      const hit = POSITIONS.find(([tag]) => lower.startsWith(tag));
      if (hit) {
        position = hit[1];
        line = line.slice(hit[0].length);
      }
      line = line.replace(/^[ \t]+/, '');
    }
    // a line that does not start with a header name gets "X-ACL-Warn: " in front
    let i = 0;
    while (i < line.length - 1 && line[i] !== ':' && /[\x21-\x7e]/.test(line[i])) i++;
    const hdr = line[i] === ':' ? line : `X-ACL-Warn: ${line}`;
    if (!list.some((h) => h.text.startsWith(hdr))) list.push({ text: hdr, position });
    p = q;
  }
}

/** remove_header: the colon-separated specifiers are kept as written, joined as Exim joins them. */
export function removeHeaderText(st: RunState, text: string): void {
  if (text !== '') st.actx.msg.headersToRemove.push(text);
}

/** Whether a header line (raw text "Name: value\n") is named by one remove_header specifier list. */
export function headerRemoved(headerText: string, specs: readonly string[]): boolean {
  for (const spec of specs) {
    for (const item of splitList(spec)) {
      if (item.startsWith('^')) {
        if (compileRegex(item).test(headerText)) return true;
      } else {
        const colon = headerText.indexOf(':');
        const name = (colon < 0 ? headerText : headerText.slice(0, colon)).trimEnd();
        if (name.toLowerCase() === item.trim().toLowerCase()) return true;
      }
    }
  }
  return false;
}

/**
 * Carry out accumulated header changes on a message's header lines (raw
 * "Name: value\n" texts, in order, the first normally being our own
 * Received:): removals first (they never touch the lines being added), then
 * additions in the order requested, placed as Exim's receive code places
 * them (several :after_received: lines end up in reverse order; an
 * :at_start_rfc: line goes after the leading run of Received:/Resent-
 * lines, never before the first line).
 */
export function applyHeaderChanges(headers: readonly string[], add: readonly AddedHeader[], remove: readonly string[]): string[] {
  const out = remove.length ? headers.filter((h) => !headerRemoved(h, remove)) : headers.slice();
  const isReceived = (h: string): boolean => /^received\s*:/i.test(h);
  const isResent = (h: string): boolean => /^resent-/i.test(h);
  let lastReceived = -1;
  for (const h of add) {
    switch (h.position) {
      case 'end':
        out.push(h.text);
        break;
      case 'at_start':
        out.unshift(h.text);
        if (lastReceived >= 0) lastReceived++;
        break;
      case 'after_received':
        if (lastReceived < 0) {
          lastReceived = out.findIndex(isReceived);
          if (lastReceived < 0) lastReceived = out.length - 1;
          while (lastReceived + 1 < out.length && isReceived(out[lastReceived + 1])) lastReceived++;
        }
        out.splice(lastReceived + 1, 0, h.text);
        break;
      case 'at_start_rfc':
        lastReceived = 0;
        while (lastReceived + 1 < out.length && (isReceived(out[lastReceived + 1]) || isResent(out[lastReceived + 1]))) lastReceived++;
        out.splice(lastReceived + 1, 0, h.text);
        break;
    }
  }
  return out;
}
