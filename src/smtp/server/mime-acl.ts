// acl_smtp_mime after DATA (spec "Scanning MIME parts"): when the message
// still has recipients and a Content-Type: header line, it is written to
// the scan directory and the MIME ACL runs once per part (src/mime). The
// first answer other than accept ends the scan: a discard drops the
// recipients, anything else rejects the message "during MIME ACL checks"
// and the DATA ACL does not run. Header lines the MIME ACL adds are in
// place for the DATA ACL. The scan directory goes once the DATA ACL has
// run (releaseMimeScan), unless control = no_mbox_unspool. Batched SMTP
// (-bS) gets acl_not_smtp_mime instead, as Exim gives it.

import type { Message } from '../../mail/message.ts';
import { clearMimeVariables, hasContentType, mboxText, scanMessage, ScanDirectory } from '../../mime/index.ts';
import { byteStringToText } from '../../expand/operators/bytes.ts';
import { formatRejectHeaders } from '../../log/index.ts';
import { takeScanDirectory } from '../../scan/spool-file.ts';
import { applyAclHeaders, visibleHeaders } from './acl-headers.ts';
import { logRejection, runPhaseAcl, type PhaseOutcome } from './acl-phase.ts';
import { optBool, optString } from './options.ts';
import type { SmtpSession } from './session.ts';

export interface MimeAclInput {
  /** The message as built (header changes of the MIME ACL go into it); absent under -bh without a receiver. */
  message?: Message;
  headers: string[];
  body: Buffer;
  messageId: string;
}

export interface MimeAclOutcome extends PhaseOutcome {
  /** The header lines after the MIME ACL's add_header/remove_header. */
  headers: string[];
}

/** The scan directory of each session's current message, until released. */
const scans = new WeakMap<SmtpSession, ScanDirectory>();

function passed(verdict: 'accept' | 'discard', headers: string[]): MimeAclOutcome {
  return { verdict, lines: [], text: '', unset: true, headers };
}

export async function runMimeAcl(s: SmtpSession, input: MimeAclInput): Promise<MimeAclOutcome> {
  clearMimeVariables(s.ctx);
  let headers = input.headers;
  // -bS is not interactive SMTP: Exim gives its messages acl_not_smtp_mime, whatever the recipients
  const where = s.isBatch ? 'not_smtp_mime' : 'mime';
  const skip = s.isBatch ? !optString(s.config, 'acl_not_smtp_mime') : s.recipients.length === 0 || !optString(s.config, 'acl_smtp_mime');
  if (skip || !hasContentType(headers)) return passed('accept', headers);
  const id = input.messageId;
  const dir = new ScanDirectory(optString(s.config, 'spool_directory') ?? '', id);
  scans.set(s, dir);
  const eml = mboxText({ sender: s.sender ?? '', recipients: s.recipients.map((r) => r.address), headers, body: input.body, now: new Date(s.now()) });
  try {
    await dir.writeMbox(eml);
  } catch {
    s.logger.panic('acl_smtp_mime: error while creating mbox spool file, message temporarily rejected.', { id, mainToo: true });
    await releaseMimeScan(s);
    return { verdict: 'defer', lines: ['451 temporary local problem'], text: 'temporary local problem', unset: false, headers };
  }
  let last: PhaseOutcome | undefined;
  const verdict = await scanMessage(eml, {
    ctx: s.ctx,
    dir,
    rfc2047LengthCheck: optBool(s.config, 'check_rfc2047_length'),
    runAcl: async (part) => {
      last = await runPhaseAcl(s, where, { headers, body: input.body, messageId: id, noLog: true, mimePart: part });
      return last.verdict;
    },
    panic: (text) => s.logger.panic(text, { id }),
  });
  if (input.message) {
    applyAclHeaders(input.message, s.aclMsg);
    headers = visibleHeaders(input.message);
    s.ctx.headers = headers.map(byteStringToText);
  }
  if (verdict === 'accept' || verdict === 'discard' || !last) return passed(verdict === 'discard' ? 'discard' : 'accept', headers);
  // Exim clears the scan directory before it logs the rejection
  await releaseMimeScan(s);
  if (last.result) logRejection(s, 'mime', last.verdict, last.result, { headers: rejectLogHeaders(s, input.message, headers), messageId: id });
  return { ...last, headers };
}

/**
 * What follows a rejection in the reject log, as Exim writes it: the
 * envelope, then every header line with its flag (a removed one too).
 */
export function rejectLogHeaders(s: SmtpSession, message: Message | undefined, headers: string[]): string[] {
  const envelope = { sender: s.sender ?? '', recipients: s.recipients.map((r) => r.address) };
  return formatRejectHeaders(envelope, message ? message.headers : headers.map((text) => ({ flag: ' ', text })));
}

/** Remove the message's scan directory (after the DATA ACL), unless an ACL said no_mbox_unspool. */
export async function releaseMimeScan(s: SmtpSession): Promise<void> {
  // the spam and malware conditions write the .eml themselves when no MIME ACL did
  const dir = scans.get(s) ?? takeScanDirectory(s.aclMsg);
  if (!dir) return;
  scans.delete(s);
  if (s.aclMsg.controls.noMboxUnspool || s.aclConn.controls.noMboxUnspool) return;
  await dir.remove(s.services.trace ? (line) => s.trace(line) : undefined);
}
