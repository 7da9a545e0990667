// The rewrite rules applied to a message as it is received (spec "When does
// rewriting happen?"): once its header lines are in, the envelope recipients
// and sender (Exim 4.98 takes the recipients first, though the spec says the
// sender goes first), then the address headers that came with the message.
// A rewritten header stays in the spool file marked "*", its new version
// right after it; the original recipients and sender are kept as deleted
// "X-rewrote-" headers. Where those go among the headers the local fix-ups
// add (placeAmongFixups) follows what exim4 writes: the recipients' right
// after an added Message-Id: (else before an added From: or Sender:), the sender's after an added From: or Sender:
// (which is rewritten in turn), both before an added Date:.
// Unqualified addresses in the headers of local messages are qualified on
// the way: qualify_domain in From:, Sender: and Reply-To:, qualify_recipient
// in To:, Cc: and Bcc: (as exim4 does, rules or none).
// Message data are latin1 byte strings; the rewriting works on text.

import type { RewriteRule } from '../config/index.ts';
import { byteStringToText, textToByteString } from '../expand/operators/bytes.ts';
import { headerName } from '../mail/headers.ts';
import type { HeaderLine, Recipient } from '../mail/message.ts';
import { rewriteAddress, type RewriteEnv } from './engine.ts';
import { rewriteHeaderLine, type HeaderQualify } from './header.ts';

export interface RewrittenEnvelope {
  sender: string;
  recipients: Recipient[];
  /** X-rewrote-original-recipient: lines, and the X-rewrote-sender: line, to place with placeAmongFixups. */
  recipientTrail: HeaderLine[];
  senderTrail: HeaderLine[];
}

function rewriteOne(address: string, where: 'F' | 'T', rules: readonly RewriteRule[], env: RewriteEnv): string | undefined {
  if (address === '') return undefined;
  const r = rewriteAddress(byteStringToText(address), where, rules, env);
  const out = textToByteString(r.address);
  return r.changed && out !== address ? out : undefined;
}

function rewriteHeaders(headers: readonly HeaderLine[], rules: readonly RewriteRule[], env: RewriteEnv, qualify?: HeaderQualify): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const h of headers) {
    out.push(h);
    if (h.flag === '*') continue;
    const line = rewriteHeaderLine(byteStringToText(h.text), rules, env, qualify);
    if (line === undefined) continue;
    out[out.length - 1] = { ...h, flag: '*' };
    out.push({ text: textToByteString(line), flag: h.flag });
  }
  return out;
}

/** Apply `rules` to a message's envelope; the header lines are done with placeAmongFixups. */
export function rewriteEnvelope(sender: string, recipients: Recipient[], rules: readonly RewriteRule[], env: RewriteEnv,
  senderDone = false): RewrittenEnvelope {
  const recipientTrail: HeaderLine[] = [];
  const senderTrail: HeaderLine[] = [];
  if (rules.length === 0) return { sender, recipients, recipientTrail, senderTrail };
  const rewrittenRecipients = recipients.map((r) => {
    const a = rewriteOne(r.address, 'T', rules, env);
    if (a === undefined) return r;
    recipientTrail.push({ text: `X-rewrote-original-recipient: ${r.address}\n`, flag: '*' });
    return { ...r, address: a };
  });
  // a sender rewritten when it was verified is not rewritten again
  const newSender = senderDone ? undefined : rewriteOne(sender, 'F', rules, env);
  if (newSender !== undefined) senderTrail.push({ text: `X-rewrote-sender: ${sender}\n`, flag: '*' });
  return { sender: newSender ?? sender, recipients: rewrittenRecipients, recipientTrail, senderTrail };
}

/**
 * The headers after the fix-ups (`fixed`, made from `given`): the given ones
 * (not deleted by the fix-ups) qualified and rewritten, an added From: or
 * Sender: rewritten too, and the X-rewrote- records placed.
 */
export function placeAmongFixups(given: readonly HeaderLine[], fixed: readonly HeaderLine[], envelope: RewrittenEnvelope,
  rules: readonly RewriteRule[], env: RewriteEnv, qualify?: HeaderQualify): HeaderLine[] {
  // which lines the fix-ups added: those not among the ones given (by text; order kept)
  const pending = new Map<string, number>();
  for (const h of given) pending.set(h.text, (pending.get(h.text) ?? 0) + 1);
  const out: HeaderLine[] = [];
  let recipientsPlaced = false;
  let senderPlaced = false;
  const placeRecipients = (): void => {
    if (!recipientsPlaced) out.push(...envelope.recipientTrail);
    recipientsPlaced = true;
  };
  const placeSender = (): void => {
    placeRecipients();
    if (!senderPlaced) out.push(...envelope.senderTrail);
    senderPlaced = true;
  };
  const work = rules.length > 0 || qualify !== undefined;
  const added = fixed.map((h) => {
    const left = pending.get(h.text) ?? 0;
    pending.set(h.text, left - 1);
    return left <= 0;
  });
  const nameOf = (h: HeaderLine): string => (headerName(h.text) ?? '').toLowerCase();
  // the recipients' records follow an added Message-Id:, else they come before what is added after the given headers
  const idAdded = fixed.some((h, i) => added[i] && nameOf(h) === 'message-id');
  for (const [i, h] of fixed.entries()) {
    if (!added[i]) {
      out.push(...(work ? rewriteHeaders([h], rules, env, qualify) : [h]));
      continue;
    }
    const name = nameOf(h);
    if (h.flag !== '*' && (h.flag === 'F' || h.flag === 'S') && !name.startsWith('resent-')) {
      if (!idAdded) placeRecipients();
      out.push(...(work ? rewriteHeaders([h], rules, env, qualify) : [h]));
    } else if (name === 'message-id') {
      out.push(h);
      placeRecipients();
    } else if (name === 'date' && out.length > 0) {
      placeSender();
      out.push(h);
    } else {
      out.push(h);
    }
  }
  placeSender();
  return out;
}
