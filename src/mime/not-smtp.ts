// acl_not_smtp_mime for a locally submitted message (tern -bm, -t,
// sendmail): the same MIME scan as for SMTP (scan.ts), run before
// acl_not_smtp. As recorded from Exim 4.98, a rejection here ends the
// submission with a failure status and no log line; a discard still runs
// acl_not_smtp, then logs the arrival and "=> blackhole (MIME ACL
// discarded recipients)" without keeping the message.

import type { Config } from '../config/types.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandString } from '../expand/index.ts';
import { byteStringToText } from '../expand/operators/bytes.ts';
import type { Logger } from '../log/index.ts';
import type { Message } from '../mail/message.ts';
import { formatArrival } from '../receive/arrival-log.ts';
import { runAcl } from '../acl/index.ts';
import { newConnectionState, newMessageState } from '../acl/types.ts';
import { ScanDirectory, mboxText } from './scan-dir.ts';
import { clearMimeVariables, hasContentType, scanMessage } from './scan.ts';

export interface LocalMimeOutcome {
  verdict: 'accept' | 'discard' | 'reject';
  /** Remove the scan directory (after acl_not_smtp). */
  release(): Promise<void>;
}

export async function runLocalMimeAcl(config: Config, ectx: ExpandContext, logger: Logger, message: Message, body: Buffer): Promise<LocalMimeOutcome> {
  clearMimeVariables(ectx);
  const none = { verdict: 'accept' as const, release: async () => undefined };
  const option = optionString(config, 'acl_not_smtp_mime');
  const headers = message.headers.filter((h) => h.flag !== '*').map((h) => h.text);
  if (option === '' || !hasContentType(headers)) return none;
  const dir = new ScanDirectory(optionString(config, 'spool_directory'), message.id);
  const release = (): Promise<void> => dir.remove();
  const eml = mboxText({ sender: message.sender, recipients: message.recipients.map((r) => r.address), headers, body });
  try {
    await dir.writeMbox(eml);
  } catch {
    logger.panic('acl_smtp_mime: error while creating mbox spool file, message temporarily rejected.', { id: message.id });
    await release();
    return { verdict: 'reject', release };
  }
  const spec = expandString(option, ectx);
  const conn = newConnectionState();
  const msg = newMessageState();
  const textHeaders = headers.map(byteStringToText);
  const lengthCheck = config.getOption('check_rfc2047_length');
  const verdict = await scanMessage(eml, {
    ctx: ectx,
    dir,
    rfc2047LengthCheck: lengthCheck.kind === 'bool' && lengthCheck.value,
    runAcl: async (part) => (await runAcl(spec, 'not_smtp_mime', {
      config, expand: ectx, logger, conn, msg, headers: textHeaders, body, messageId: message.id, mimePart: part,
    })).verdict,
    panic: (text) => logger.panic(text, { id: message.id }),
  });
  if (verdict === 'accept' || verdict === 'discard') return { verdict, release };
  await release();
  return { verdict: 'reject', release };
}

/** The log lines of a message the MIME ACL discarded: its arrival, the blackhole, completion. */
export function logMimeDiscard(logger: Logger, message: Message, body: Buffer): void {
  const created = message.headers.some((h) => h.flag === 'I' && h.text.includes(`<E${message.id}`));
  logger.main(formatArrival(message, logger.selector, { bodyLength: body.length, messageIdCreated: created }), { id: message.id });
  logger.main('=> blackhole (MIME ACL discarded recipients)', { id: message.id });
  logger.main('Completed', { id: message.id });
}
