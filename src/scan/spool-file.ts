// The message as the scanners see it (spec "Content scanning at ACL time"):
// $spool_directory/scan/<id>/<id>.eml, an mbox-style copy (a "From " line,
// X-Envelope-From/-To, the header lines, a blank line, the body with LF
// line ends, as Exim writes it). The MIME ACL (src/mime, ScanDirectory)
// may have written it already; otherwise the first spam or malware
// condition of the message writes it. The directory it made is handed to
// whoever ends the DATA ACL (takeScanDirectory) to be removed with the
// decoded MIME parts, unless control = no_mbox_unspool.

import fs from 'node:fs/promises';
import { optionString } from '../config/index.ts';
import { textToByteString } from '../expand/operators/bytes.ts';
import { mboxText, ScanDirectory } from '../mime/scan-dir.ts';
import type { AclContext, AclMessageState } from '../acl/types.ts';

export interface ScanFile {
  /** The .eml file. */
  path: string;
  /** Its directory (what a cmdline scanner is given for %s). */
  dir: string;
  size: number;
}

export class ScanFileError extends Error {}

/** Scan directories this module created, by message: removed after the DATA ACL. */
const made = new WeakMap<AclMessageState, ScanDirectory>();

function bodyBuffer(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
}

function recipientsOf(actx: AclContext): string[] {
  const list = actx.expand.vars.get('recipients')?.value ?? '';
  return list === '' ? [] : list.split(', ');
}

/** The .eml of the message under the ACL, written on first use. */
export async function ensureScanFile(actx: AclContext): Promise<ScanFile> {
  const id = actx.messageId ?? actx.expand.vars.get('message_id')?.value ?? '';
  const body = actx.body;
  if (id === '' || body === undefined || actx.headers === undefined) {
    throw new ScanFileError('the message is not available to scan here');
  }
  const dir = made.get(actx.msg) ?? new ScanDirectory(optionString(actx.config, 'spool_directory'), id);
  try {
    const st = await fs.stat(dir.emlPath);
    return { path: dir.emlPath, dir: dir.path, size: st.size };
  } catch {
    // not written yet (no MIME ACL ran for this message)
  }
  const sender = actx.expand.vars.get('sender_address')?.value ?? '';
  // the SMTP ACLs are given the header lines as byte strings, local submission's as expander text
  const headers = actx.headers.map((h) => (/[^\x00-\xff]/.test(h) ? textToByteString(h) : h));
  const text = mboxText({ sender, recipients: recipientsOf(actx), headers, body: bodyBuffer(body), now: new Date(actx.now?.() ?? Date.now()) });
  try {
    await dir.writeMbox(text);
  } catch (e) {
    throw new ScanFileError(`error while creating mbox spool file: ${(e as Error).message}`);
  }
  made.set(actx.msg, dir);
  return { path: dir.emlPath, dir: dir.path, size: text.length };
}

/** The scan directory a spam/malware condition made for this message (now the caller's to remove). */
export function takeScanDirectory(msg: AclMessageState): ScanDirectory | undefined {
  const dir = made.get(msg);
  made.delete(msg);
  return dir;
}

/** Remove the scan directory the conditions made (for callers without a MIME scan of their own), unless no_mbox_unspool. */
export async function releaseScanDirectory(msg: AclMessageState): Promise<void> {
  const dir = takeScanDirectory(msg);
  if (dir && !msg.controls.noMboxUnspool) await dir.remove();
}
