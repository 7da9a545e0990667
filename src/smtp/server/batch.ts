// Batched SMTP (-bS): no replies; the first error ends the batch with
// Exim's stylised report (spec "Incoming batched SMTP"). Exim words some
// errors differently in a batch (recorded from exim4 -bS, see
// test/cli/smtp-batch.test.ts); the line numbers count what Exim counts.

/** Where the batch stands: lines read, where the transaction started, what failed. */
export interface BatchState {
  /** Lines read so far, as Exim counts them (see messageLines). */
  lines: number;
  /** `lines` when the current transaction started (RSET, HELO/EHLO, end of a message); 0 at first. */
  transactionStart: number;
  /** The command being processed; undefined while a message is read or checked. */
  command: string | undefined;
  /** The first error: its reply line, and the command at fault when there was one. */
  error?: { reply: string; transactionStart: number; line: number; command: string | undefined };
}

export function newBatchState(): BatchState {
  return { lines: 0, transactionStart: 0, command: undefined };
}

/** Thrown when a batch meets its first error: the session ends there. */
export class BatchAbort extends Error {
  override name = 'BatchAbort';
}

/** Replies whose batch wording differs. */
const BATCH_WORDING = new Map<string, string>([
  ['500 unrecognized command', '500 Command unrecognized'],
  ['503 sender not yet given', '503 No sender yet given'],
  ['503 sender already given', '503 Sender already given'],
  ['503 valid RCPT command must precede DATA', '503 RCPT TO:<recipient> must precede DATA'],
  ['503 Valid RCPT command must precede DATA', '503 RCPT TO:<recipient> must precede DATA'],
]);

/** The batch form of an error reply (first line only). */
export function batchReply(line: string): string {
  return BATCH_WORDING.get(line) ?? line;
}

/**
 * Lines Exim counts for a message it read: the header lines with the line
 * that ended the header section (blank, or the first non-header line, which
 * is counted again as a body line), the body lines, and one more when there
 * was a body part at all. `raw` is the message in LF form.
 */
export function messageLines(raw: Buffer, bodyStart: number, headerEndedByBlank: boolean): number {
  const count = (from: number, to: number): number => {
    let n = 0;
    for (let i = raw.indexOf(0x0a, from); i >= 0 && i < to; i = raw.indexOf(0x0a, i + 1)) n++;
    return n;
  };
  const headerLines = count(0, bodyStart);
  if (bodyStart >= raw.length && !headerEndedByBlank) return headerLines;
  const bodyLines = count(bodyStart, raw.length) + (raw.length > bodyStart && raw[raw.length - 1] !== 0x0a ? 1 : 0);
  return headerLines + (headerEndedByBlank ? 0 : 1) + bodyLines + 1;
}

function plural(n: number): string {
  return n === 1 ? '1 previous message was' : `${n} previous messages were`;
}

/** What -bS writes to stdout after an error. */
export function batchStdout(e: NonNullable<BatchState['error']>): string {
  let s = `${e.reply}\nTransaction started in line ${e.transactionStart}\nError detected in line ${e.line}\n`;
  if (e.command !== undefined) s += `${e.command}\n`;
  return s;
}

/** The longer report -bS writes to stderr. */
export function batchStderr(e: NonNullable<BatchState['error']>, accepted: number): string {
  let s = 'An error was detected while processing a file of BSMTP input.\nThe error message was:\n\n' +
    `  ${e.reply}\n\nThe SMTP transaction started in line ${e.transactionStart}.\nThe error was detected in line ${e.line}.\n`;
  if (e.command !== undefined) s += `The SMTP command at fault was:\n\n   ${e.command}\n\n`;
  return s + `${plural(accepted)} successfully processed.\nThe rest of the batch was abandoned.\n`;
}
