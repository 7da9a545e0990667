// PRDR (spec "The SMTP PRDR ACL"; Per-Recipient Data Response draft):
// when the client asked for PRDR on MAIL and the message has more than one
// recipient, acl_smtp_data_prdr runs after the MIME ACL and before the
// DATA ACL, once per recipient in the order they were given, with
// $local_part and $domain of that recipient. The client gets "353" first,
// then one reply per recipient (250, 450 for a defer, 550 otherwise; the
// ACL's message replaces the default text), and after the DATA ACL a final
// reply that says for whom the message was accepted. A recipient not
// accepted is dropped from the message; each answer has a main-log line.

import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { optString } from './options.ts';
import { replyLines } from './replies.ts';
import { splitCode } from './acl-phase.ts';
import type { SmtpSession } from './session.ts';
import type { Message } from '../../mail/message.ts';

export interface PrdrInput {
  /** The message as built: refused recipients leave it too. */
  message?: Message;
  headers: string[];
  body: Buffer;
  messageId: string;
}

export interface PrdrOutcome {
  /** PRDR was used for this message (the "<=" line says PRDR). */
  active: boolean;
  /** The reply after the DATA ACL (when it accepts): "250 id=... message accepted ...". */
  finalReply?: string;
  /** No recipient is left: the final reply has been sent and the message is not kept. */
  noneLeft?: boolean;
}

const DEFAULT_TEXT: Record<string, string> = { 250: 'acceptance', 450: 'temporary refusal', 550: 'refusal' };

export async function runPrdr(s: SmtpSession, input: PrdrInput): Promise<PrdrOutcome> {
  // with one recipient (or the ACL option emptied) Exim treats the message as if PRDR was not asked for
  if (s.isBatch || !s.mailParams.prdr || s.recipients.length <= 1 || !optString(s.config, 'acl_smtp_data_prdr')) {
    setVar(s.ctx, 'prdr_requested', 'no');
    setRecipientVars(s);
    return { active: false };
  }
  s.send('353 PRDR content analysis beginning');
  let allAccepted = true;
  let allRefused = true;
  const kept: boolean[] = [];
  for (const rcpt of [...s.recipients]) {
    const address = rcpt.address;
    setRecipientVars(s);
    const out = await runPhaseAcl(s, 'prdr', { recipient: address, headers: input.headers, body: input.body, messageId: input.messageId, noLog: true });
    const verdict = out.verdict;
    // Exim folds the answers together bitwise: a discard counts as accepted for the reply but refused overall
    allAccepted &&= verdict === 'accept';
    allRefused &&= verdict !== 'accept' && verdict !== 'defer';
    const code = verdict === 'accept' || verdict === 'discard' ? '250' : verdict === 'defer' ? '450' : '550';
    const user = out.result?.userMessage;
    const log = out.result?.logMessage;
    const standard = `PRDR R=<${address}> ${DEFAULT_TEXT[code]}`;
    if (user !== undefined) {
      const c = splitCode(user, code);
      s.sendLines(replyLines(c.code, c.text, c.esc));
    } else {
      s.send(`${code} ${standard}`);
    }
    s.logger.main(log !== undefined ? `PRDR ${address} ${log}` : user !== undefined ? `PRDR ${address} ${user}` : standard, { id: input.messageId });
    // as after a RCPT ACL, the recipient's variables do not outlive the ACL
    for (const n of ['local_part', 'domain', 'local_part_data', 'domain_data', 'address_data']) s.ctx.vars.delete(n);
    kept.push(verdict === 'accept');
    if (verdict !== 'accept') s.recipients = s.recipients.filter((r) => r !== rcpt);
  }
  // the built message holds copies of the same recipients, in the same order
  if (input.message) input.message.recipients = input.message.recipients.filter((_, i) => kept[i] ?? true);
  setRecipientVars(s);
  const outcome = allRefused ? 'rejected for all recipients' : allAccepted ? 'accepted' : 'accepted for some recipients';
  const finalReply = `${allRefused ? '550' : '250'} id=${input.messageId} message ${outcome}`;
  if (s.recipients.length === 0) {
    s.send(finalReply);
    return { active: true, finalReply, noneLeft: true };
  }
  return { active: true, finalReply };
}

/** $recipients and $recipients_count as the PRDR and DATA ACLs see them (refused recipients gone). */
function setRecipientVars(s: SmtpSession): void {
  setVar(s.ctx, 'recipients', s.recipients.map((r) => r.address).join(', '), true);
  setVar(s.ctx, 'recipients_count', String(s.recipients.length));
}
