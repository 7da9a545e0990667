// The rewrite rules applied to a message as it is received (spec "When does
// rewriting happen?"): once its header lines are in, the envelope sender
// and every envelope recipient, then the address headers that came
// with the message (Exim 4.98 takes the recipients before the sender, though
// the spec says the sender goes first). A rewritten header stays in the spool file marked "*",
// its new version right after it; the original sender and recipients are
// kept as deleted "X-rewrote-" headers at the end, as Exim 4.98 records them.
// Message data are latin1 byte strings; the rewriting works on text.

import type { RewriteRule } from '../config/index.ts';
import { byteStringToText, textToByteString } from '../expand/operators/bytes.ts';
import type { HeaderLine, Recipient } from '../mail/message.ts';
import { rewriteAddress, type RewriteEnv } from './engine.ts';
import { rewriteHeaderLine } from './header.ts';

export interface ReceivedParts {
  sender: string;
  recipients: Recipient[];
  headers: HeaderLine[];
}

function rewriteEnvelope(address: string, where: 'F' | 'T', rules: readonly RewriteRule[], env: RewriteEnv): string | undefined {
  if (address === '') return undefined;
  const r = rewriteAddress(byteStringToText(address), where, rules, env);
  const out = textToByteString(r.address);
  return r.changed && out !== address ? out : undefined;
}

/** Apply `rules` to a message's envelope and received headers; the parts given are not changed. */
export function rewriteReceived(parts: ReceivedParts, rules: readonly RewriteRule[], env: RewriteEnv): ReceivedParts {
  if (rules.length === 0) return parts;
  const trail: HeaderLine[] = [];
  // Exim 4.98 does the recipients first (its -bh trace and the order of the X-rewrote- records)
  const recipients = parts.recipients.map((r) => {
    const a = rewriteEnvelope(r.address, 'T', rules, env);
    if (a === undefined) return r;
    trail.push({ text: `X-rewrote-original-recipient: ${r.address}\n`, flag: '*' });
    return { ...r, address: a };
  });
  const newSender = rewriteEnvelope(parts.sender, 'F', rules, env);
  if (newSender !== undefined) trail.push({ text: `X-rewrote-sender: ${parts.sender}\n`, flag: '*' });
  const headers: HeaderLine[] = [];
  for (const h of parts.headers) {
    headers.push(h);
    if (h.flag === '*') continue;
    const line = rewriteHeaderLine(byteStringToText(h.text), rules, env);
    if (line === undefined) continue;
    headers[headers.length - 1] = { ...h, flag: '*' };
    headers.push({ text: textToByteString(line), flag: h.flag });
  }
  return { sender: newSender ?? parts.sender, recipients, headers: [...headers, ...trail] };
}
