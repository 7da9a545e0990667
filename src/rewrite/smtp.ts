// S rules (spec "The SMTP-time rewriting flag"): the data of a MAIL or RCPT
// command, brackets and all, is rewritten before anything else looks at it.
// The session's data is a latin1 byte string; the rules work on text.

import type { RewriteRule } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandString } from '../expand/index.ts';
import { byteStringToText, textToByteString } from '../expand/operators/bytes.ts';
import { rewriteAddress } from './engine.ts';

/** The command's address text after the S rules (the text itself when none applies). */
export function rewriteSmtpData(data: string, rules: readonly RewriteRule[], ctx: ExpandContext, log: (line: string) => void,
  logRewrite?: (line: string) => void): string {
  if (!rules.some((r) => r.flags.includes('S'))) return data;
  let qualifyRecipient: string;
  try {
    qualifyRecipient = expandString('$qualify_recipient', ctx);
  } catch {
    qualifyRecipient = '';
  }
  const r = rewriteAddress(byteStringToText(data), 'S', rules, { ctx, qualifyRecipient, log, logRewrite });
  return r.changed ? textToByteString(r.address) : data;
}
