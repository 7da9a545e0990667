// The MIME scan of one message (spec "Scanning MIME parts"): the MIME ACL
// runs once per part with the $mime_* variables set; `decode` (and
// mime_regex, which decodes first) write the part to a file; attached
// messages (message/rfc822) are scanned after the message itself, each as
// a message of its own with $mime_is_rfc822 = 1. The first answer other
// than "accept" ends the scan. Callers: the SMTP server (acl_smtp_mime)
// and local submission (acl_not_smtp_mime).

import fs from 'node:fs/promises';
import type { ExpandContext } from '../expand/context.ts';
import { byteStringToText } from '../expand/operators/bytes.ts';
import { splitList } from '../lists/index.ts';
import { bodyEnd, decodeBody } from './decode.ts';
import type { ScanDirectory } from './scan-dir.ts';
import { walkParts, type MimePart } from './walk.ts';

/** The per-part variables Exim resets before each part (and after the scan). */
const PART_VARIABLES = [
  'mime_anomaly_level', 'mime_anomaly_text', 'mime_boundary', 'mime_charset', 'mime_decoded_filename', 'mime_filename',
  'mime_content_description', 'mime_content_disposition', 'mime_content_id', 'mime_content_transfer_encoding',
  'mime_content_type', 'mime_is_multipart', 'mime_content_size',
];

/** Forget every $mime_* variable (a new message starts with none). */
export function clearMimeVariables(ctx: ExpandContext): void {
  for (const n of [...PART_VARIABLES, 'mime_part_count', 'mime_is_coverletter', 'mime_is_rfc822']) ctx.vars.delete(n);
}

/** What `decode =` answers, in the ACL engine's words. */
export type DecodeResult = 'OK' | 'FAIL' | 'DEFER';

/** The current part as an ACL sees it (AclContext.mimePart). */
export class MimePartHandle {
  readonly part: MimePart;
  /** The decoded content, once `decode` (or mime_regex) has written it. */
  decoded: Buffer | undefined;
  private readonly dir: ScanDirectory;
  private readonly ctx: ExpandContext;
  private readonly panic: (text: string) => void;

  constructor(part: MimePart, dir: ScanDirectory, ctx: ExpandContext, panic: (text: string) => void) {
    this.part = part;
    this.dir = dir;
    this.ctx = ctx;
    this.panic = panic;
  }

  /** The raw part for `regex =`: its body up to the closing boundary line. */
  get raw(): Buffer {
    const p = this.part;
    return p.source.subarray(p.bodyStart, bodyEnd(p.source, p.bodyStart, p.endBoundary));
  }

  /**
   * decode = [/path/]name: "false"/"0" decode nothing; "default" or nothing
   * gives a numbered file in the scan directory; an existing directory gets
   * a numbered file; another absolute path is the file; a relative name is
   * put in the scan directory. Only the list's first item counts. A file
   * name made from tainted data is refused (logged, and the decode defers).
   */
  async decode(option: string, tainted = false): Promise<DecodeResult> {
    const first = splitList(option)[0];
    if (first === 'false' || first === '0') return 'FAIL';
    let file: string;
    if (first === undefined || first === 'default') file = await this.dir.freeDecodeName(this.dir.path);
    else if (first.startsWith('/')) file = (await isDirectory(first)) ? await this.dir.freeDecodeName(first) : first;
    else file = `${this.dir.path}/${first}`;
    const fromOption = first !== undefined && first !== 'default';
    // Exim names the file before it tries to open it
    this.ctx.vars.set('mime_decoded_filename', { value: file, tainted: tainted && fromOption });
    if (tainted && fromOption) {
      this.panic(`Tainted filename '${file}'`);
      return 'DEFER';
    }
    const p = this.part;
    const result = decodeBody(p.source, p.bodyStart, p.endBoundary, p.contentTransferEncoding);
    try {
      await fs.writeFile(file, result.data, { mode: 0o640 });
    } catch {
      return 'DEFER';
    }
    if (result.anomaly) {
      this.ctx.vars.set('mime_anomaly_level', { value: String(result.anomaly.level), tainted: false });
      this.ctx.vars.set('mime_anomaly_text', { value: result.anomaly.text, tainted: false });
    }
    this.decoded = Buffer.from(result.data);
    // in kilobytes, rounded up
    this.ctx.vars.set('mime_content_size', { value: String(Math.ceil(result.data.length / 1024)), tainted: false });
    return 'OK';
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface MimeScanOptions {
  ctx: ExpandContext;
  dir: ScanDirectory;
  /** check_rfc2047_length */
  rfc2047LengthCheck: boolean;
  /** Run the MIME ACL for one part; its verdict ('accept' goes on). */
  runAcl(handle: MimePartHandle): Promise<string>;
  /** Panic-log lines, also in the main log (a tainted file name, an attached message that cannot be read or removed). */
  panic(text: string): void;
}

function setPartVariables(ctx: ExpandContext, part: MimePart): void {
  const v = ctx.vars;
  for (const n of PART_VARIABLES) v.delete(n);
  const text = (name: string, value: string | undefined): void => {
    if (value !== undefined) v.set(name, { value: byteStringToText(value), tainted: true });
  };
  text('mime_content_type', part.contentType);
  text('mime_content_disposition', part.contentDisposition);
  text('mime_content_transfer_encoding', part.contentTransferEncoding);
  text('mime_content_id', part.contentId);
  text('mime_content_description', part.contentDescription);
  text('mime_filename', part.filename);
  text('mime_charset', part.charset);
  text('mime_boundary', part.boundary);
  v.set('mime_is_multipart', { value: part.isMultipart ? '1' : '0', tainted: false });
  v.set('mime_part_count', { value: String(part.index), tainted: false });
  v.set('mime_is_coverletter', { value: part.isCoverletter ? '1' : '0', tainted: false });
}

/**
 * Scan `eml` (the message as written to the scan directory). Returns the
 * verdict that ended the scan, 'accept' when every part was accepted.
 * Afterwards $mime_part_count holds the message's last part number.
 */
export async function scanMessage(eml: Buffer, o: MimeScanOptions): Promise<string> {
  const { ctx, dir } = o;
  const hooks = {
    visit: async (part: MimePart): Promise<string> => {
      setPartVariables(ctx, part);
      return o.runAcl(new MimePartHandle(part, dir, ctx, o.panic));
    },
    attached: async (part: MimePart): Promise<boolean> => {
      const name = await dir.freeAttachedName();
      // an attached message that cannot be written is not scanned (as in Exim)
      if (name !== undefined) await new MimePartHandle(part, dir, ctx, o.panic).decode(name);
      return true;
    },
  };
  const opts = { rfc2047LengthCheck: o.rfc2047LengthCheck };
  ctx.vars.set('mime_is_rfc822', { value: '0', tainted: false });
  const outer = await walkParts(eml, hooks, opts);
  let verdict = outer.verdict;
  while (verdict === 'accept') {
    const file = await dir.nextAttached();
    if (file === undefined) break;
    let content: Buffer;
    try {
      content = await fs.readFile(file);
    } catch {
      o.panic('acl_smtp_mime: can\'t open RFC822 spool file, skipping.');
      await fs.rm(file, { force: true });
      break;
    }
    ctx.vars.set('mime_is_rfc822', { value: '1', tainted: false });
    verdict = (await walkParts(content, hooks, opts)).verdict;
    try {
      await fs.unlink(file);
    } catch {
      o.panic('acl_smtp_mime: can\'t unlink RFC822 spool file, skipping.');
      break;
    }
  }
  for (const n of PART_VARIABLES) ctx.vars.delete(n);
  ctx.vars.set('mime_part_count', { value: String(outer.partCount), tainted: false });
  return verdict;
}

/** Does the message have a Content-Type: header line (the condition for running a MIME ACL)? */
export function hasContentType(headers: readonly string[]): boolean {
  return headers.some((h) => h.slice(0, 13).toLowerCase() === 'content-type:');
}
