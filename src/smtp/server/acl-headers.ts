// The header lines ACLs ask for (add_header, remove_header), put into the
// received message (spec "Adding header lines in ACLs", "Removing header
// lines in ACLs"). Lines added before DATA are in place when the DATA ACL
// runs; lines the DATA ACL adds are put in after it. Removed lines stay in
// the -H file flagged '*', as Exim keeps them.

import { textToBytes } from './log-text.ts';
import type { AclMessageState, AddedHeader } from '../../acl/types.ts';
import { headerFlag, headerName, isResentHeader } from '../../mail/headers.ts';
import type { HeaderLine, Message } from '../../mail/message.ts';
import { compileRegex } from '../../regex/index.ts';

function isReceived(h: HeaderLine): boolean {
  return /^received[ \t]*:/i.test(h.text);
}

function isReceivedOrResent(h: HeaderLine): boolean {
  return isReceived(h) || isResentHeader(h.text);
}

/** Index after the run of Received:/Resent- lines that follows position i (the line at i itself is not tested). */
function afterRunFrom(headers: HeaderLine[], i: number): number {
  let last = i;
  while (last + 1 < headers.length && isReceivedOrResent(headers[last + 1])) last++;
  return last + 1;
}

/**
 * Where an added line goes. As Exim 4.98 places them (recorded in
 * test/fixtures/smtp/bs/acl-headers): the message's own Received: line is
 * already at the top; :at_start_rfc: goes after the run of Received:/Resent-
 * lines that follows the first line (whatever the first line is);
 * :after_received: after the run that starts at the first Received: line.
 */
function insertIndex(headers: HeaderLine[], position: AddedHeader['position']): number {
  switch (position) {
    case 'end': return headers.length;
    case 'at_start': return 0;
    case 'at_start_rfc': return headers.length === 0 ? 0 : afterRunFrom(headers, 0);
    case 'after_received': {
      const first = headers.findIndex(isReceived);
      return first < 0 ? 0 : afterRunFrom(headers, first);
    }
  }
}

/** Does a remove_header specifier (a name, or "^regex" against the whole line) match this line? */
function removalMatcher(spec: string): (line: string) => boolean {
  if (spec.startsWith('^')) {
    const re = compileRegex(spec);
    return (line) => re.test(line.replace(/\n$/, ''));
  }
  const want = spec.replace(/:$/, '').toLowerCase();
  return (line) => (headerName(line) ?? '').toLowerCase() === want;
}

/** Apply (and clear) what the ACLs so far asked for. */
export function applyAclHeaders(message: Message, state: AclMessageState): void {
  if (state.headersToRemove.length > 0) {
    const matchers = state.headersToRemove.map(removalMatcher);
    for (const h of message.headers) {
      if (h.flag !== '*' && matchers.some((m) => m(h.text))) h.flag = '*';
    }
    state.headersToRemove = [];
  }
  if (state.headersToAdd.length > 0) {
    const hasResent = message.headers.some((h) => h.flag !== '*' && isResentHeader(h.text));
    for (const added of state.headersToAdd) {
      // added headers are expander text; message headers are byte strings
      const bytes = textToBytes(added.text);
      const text = bytes.endsWith('\n') ? bytes : bytes + '\n';
      const line: HeaderLine = { text, flag: headerFlag(headerName(text) ?? '', hasResent) };
      message.headers.splice(insertIndex(message.headers, added.position), 0, line);
    }
    state.headersToAdd = [];
  }
}

/** The header lines as the DATA ACL sees them ($h_..., $message_headers): those not removed. */
export function visibleHeaders(message: Message): string[] {
  return message.headers.filter((h) => h.flag !== '*').map((h) => h.text);
}
