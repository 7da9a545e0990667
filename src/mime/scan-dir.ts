// The scan directory of one message, $spool_directory/scan/<message id>/
// (spec "Content scanning at ACL time"): the message as an mbox-style
// <id>.eml file, the parts that `decode` writes (<id>-00000, ...), and
// attached messages waiting for their own MIME scan (__rfc822_00000, ...).
// It is removed with everything in it once the DATA (or non-SMTP) ACL has
// run, unless `control = no_mbox_unspool`.

import fs from 'node:fs/promises';
import { todFormat } from '../expand/variables.ts';

const SPOOL_MODE = 0o640;

export interface MboxEnvelope {
  sender: string;
  recipients: readonly string[];
  /** Header lines as byte strings ("Name: value\n"), deleted ones left out. */
  headers: readonly string[];
  body: Buffer;
  now?: Date;
}

/** The .eml text: a "From " line, X-Envelope-From/-To, the header lines, a blank line, the body. */
export function mboxText(m: MboxEnvelope): Buffer {
  let head = `From MAILER-DAEMON ${todFormat('bsdinbox', m.now)}\n`;
  if (m.sender !== '') head += `X-Envelope-From: <${m.sender}>\n`;
  if (m.recipients.length > 0) head += `X-Envelope-To: ${m.recipients.join(', ')}\n`;
  head += m.headers.join('') + '\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), m.body]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

export class ScanDirectory {
  readonly path: string;
  readonly messageId: string;
  private readonly spoolDirectory: string;
  /** The directory was made (and so is removed at the end). */
  created = false;

  constructor(spoolDirectory: string, messageId: string) {
    this.messageId = messageId;
    this.spoolDirectory = spoolDirectory;
    this.path = `${spoolDirectory}/scan/${messageId}`;
  }

  get emlPath(): string {
    return `${this.path}/${this.messageId}.eml`;
  }

  async writeMbox(text: Buffer): Promise<void> {
    // never a scan directory at the root of the file system
    if (this.spoolDirectory === '') throw new Error('spool_directory is not set');
    await fs.mkdir(this.path, { recursive: true, mode: 0o750 });
    this.created = true;
    await fs.writeFile(this.emlPath, text, { mode: SPOOL_MODE });
  }

  /** The first free "<dir>/<id>-NNNNN" (Exim gives up looking after 1024). */
  async freeDecodeName(dir: string): Promise<string> {
    let name = '';
    for (let n = 0; n < 1024; n++) {
      name = `${dir}/${this.messageId}-${String(n).padStart(5, '0')}`;
      if (!(await exists(name))) break;
    }
    return name;
  }

  /** The first free "__rfc822_NNNNN" for an attached message; undefined after 128 of them. */
  async freeAttachedName(): Promise<string | undefined> {
    for (let n = 0; n < 127; n++) {
      const name = `${this.path}/__rfc822_${String(n).padStart(5, '0')}`;
      if (!(await exists(name))) return name;
    }
    return undefined;
  }

  /** An attached message still to be scanned (the lowest numbered). */
  async nextAttached(): Promise<string | undefined> {
    let names: string[];
    try {
      names = await fs.readdir(this.path);
    } catch {
      return undefined;
    }
    const waiting = names.filter((n) => n.slice(0, 9).toLowerCase() === '__rfc822_').sort();
    return waiting.length > 0 ? `${this.path}/${waiting[0]}` : undefined;
  }

  /** Remove the directory and what is in it; each file is named to `trace` (Exim's -bh debug lines). */
  async remove(trace?: (line: string) => void): Promise<void> {
    if (!this.created) return;
    this.created = false;
    let names: string[] = [];
    try {
      names = await fs.readdir(this.path);
    } catch {
      // already gone
    }
    for (const n of names.sort()) {
      const file = `${this.path}/${n}`;
      trace?.(`unspool_mbox(): unlinking '${file}'`);
      await fs.rm(file, { force: true, recursive: true });
    }
    await fs.rmdir(this.path).catch(() => undefined);
  }
}
