// Queue listing: -bp, -bpa, -bpu, -bpr, -bpi, -bpc and mailq, in Exim's
// layout:
//
//   25m  2.9K 1xV7Jh-000000006hF-1HcZ <alice@example.org> (login) *** frozen ***
//           red.king@example.net
//         D delivered@example.net
//
// age, size, id, <sender>, "(login)" when an untrusted caller set the sender,
// the frozen marker; then the envelope recipients, "D" for those delivered,
// and with -bpa "+D" for delivered addresses that are not top-level
// recipients. The size is what Exim shows: the header lines that are not
// deleted, plus the body, plus one for the blank line between them.

import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '../mail/message.ts';
import { isMessageId, parseMessageId } from '../spool/message-id.ts';
import { queueRoot } from '../spool/paths.ts';
import { dataStartOffset, parseHeaderFile, SpoolFormatError } from '../spool/read.ts';
import { spoolBytes } from '../spool/format.ts';

export interface QueueEntry {
  id: string;
  /** Directory holding the message's files (input/ or one of its single-character subdirectories). */
  dir: string;
}

/**
 * Messages of one queue: every "<id>-H" in input/ and in its one-character
 * subdirectories, whatever split_spool_directory says (as Exim, which finds
 * messages left in the "wrong" place).
 */
export async function scanQueue(spoolDir: string, queueName = ''): Promise<QueueEntry[]> {
  const input = path.join(queueRoot(spoolDir, queueName), 'input');
  const out: QueueEntry[] = [];
  const scan = async (dir: string, top: boolean): Promise<void> => {
    let names: fs.Dirent[];
    try {
      names = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const d of names) {
      if (top && d.isDirectory() && d.name.length === 1) await scan(path.join(dir, d.name), false);
      else if (d.name.endsWith('-H') && isMessageId(d.name.slice(0, -2))) out.push({ id: d.name.slice(0, -2), dir });
    }
  };
  await scan(input, true);
  return out;
}

/** Chronological order of arrival: the id's second, then its sub-second part, then the id itself. */
export function compareIds(a: string, b: string): number {
  const pa = parseMessageId(a);
  const pb = parseMessageId(b);
  if (pa && pb && pa.form === pb.form) {
    if (pa.time !== pb.time) return pa.time - pb.time;
    if (pa.fraction !== pb.fraction) return pa.fraction - pb.fraction;
  } else if (pa && pb && pa.time !== pb.time) {
    return pa.time - pb.time;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** n / unit with one decimal, rounded as C's printf("%.1f") rounds exact halves: to even. */
function oneDecimal(n: number, unit: number): string {
  const num = n * 10;
  let q = Math.floor(num / unit);
  const twiceRest = 2 * (num - q * unit);
  if (twiceRest > unit || (twiceRest === unit && q % 2 === 1)) q++;
  return `${Math.floor(q / 10)}.${q % 10}`;
}

/** Exim's 5-character size column: "  292", " 2.9K", "  14K", " 1.2M", "  15M"; blank for 0. */
export function formatSize(size: number): string {
  const K = 1024;
  const M = K * K;
  if (size <= 0) return '     ';
  if (size < K) return String(size).padStart(5);
  if (size < 10 * K) return `${oneDecimal(size, K)}K`.padStart(5);
  if (size < M) return `${Math.floor((size + 512) / K)}K`.padStart(5);
  if (size < 10 * M) return `${oneDecimal(size, M)}M`.padStart(5);
  return `${Math.floor((size + 512 * K) / M)}M`.padStart(5);
}

/** Exim's age column: minutes up to 90, then hours up to 72, then days. */
export function formatAge(seconds: number): string {
  const minutes = Math.trunc(seconds / 60);
  if (minutes <= 90) return `${String(minutes).padStart(2)}m`;
  const hours = Math.trunc((minutes + 30) / 60);
  if (hours <= 72) return `${String(hours).padStart(2)}h`;
  return `${String(Math.trunc((hours + 12) / 24)).padStart(2)}d`;
}

/** The size Exim shows: live headers + body + 1, or 0 when the -D file is missing. */
export function listedSize(msg: Message, dataFileSize: number | undefined): number {
  if (dataFileSize === undefined) return 0;
  let headers = 0;
  for (const h of msg.headers) if (h.flag !== '*') headers += spoolBytes(h.text).length;
  return headers + dataFileSize - dataStartOffset(msg.id) + 1;
}

export type ListVariant = 'all' | 'plus-generated' | 'undelivered' | 'ids';

export interface ListOptions {
  spoolDir: string;
  queueName?: string;
  /** -bpr: directory order instead of arrival order. */
  unsorted?: boolean;
  variant?: ListVariant;
  /** Only these ids (the arguments of -bp). */
  ids?: string[];
  /** Seconds since the epoch; the clock by default. */
  now?: number;
}

function strerror(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : String(e);
}

/** Render one message for -bp and its variants; '' when it vanished while we looked. */
export async function formatEntry(entry: QueueEntry, variant: ListVariant, now: number): Promise<string> {
  if (variant === 'ids') return `${entry.id}\n`;
  const hfile = path.join(entry.dir, `${entry.id}-H`);
  let msg: Message;
  try {
    msg = parseHeaderFile(await fs.promises.readFile(hfile), hfile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    const first = `      ${entry.id}\n`;
    if (e instanceof SpoolFormatError) {
      const size = await fs.promises.stat(hfile).then((s) => s.size, () => 0);
      return `${first}    *** spool format error: size=${size} ***\n\n`;
    }
    return `${first}    *** spool read error: ${strerror(e)} ***\n\n`;
  }
  const dataSize = await fs.promises.stat(path.join(entry.dir, `${entry.id}-D`)).then((s) => s.size, () => undefined);
  let line = `${formatAge(now - msg.receivedTime)} ${formatSize(listedSize(msg, dataSize))} ${entry.id} <${msg.sender}>`;
  if (msg.senderSetUntrusted) line += ` (${msg.owner.login})`;
  if (msg.frozenAt !== undefined) line += ' *** frozen ***';
  const out = [line];
  const delivered = new Set(msg.nonRecipients);
  const top = new Set<string>();
  for (const r of msg.recipients) {
    top.add(r.address);
    const done = delivered.has(r.address);
    if (done && variant === 'undelivered') continue;
    out.push(`        ${done ? 'D' : ' '} ${r.address}`);
  }
  if (variant === 'plus-generated') {
    for (const a of msg.nonRecipients) if (!top.has(a)) out.push(`       +D ${a}`);
  }
  return out.join('\n') + '\n\n';
}

/** The whole listing as Exim prints it. */
export async function listQueue(opts: ListOptions): Promise<string> {
  let entries = await scanQueue(opts.spoolDir, opts.queueName ?? '');
  if (opts.ids && opts.ids.length > 0) {
    const wanted = new Set(opts.ids);
    entries = entries.filter((e) => wanted.has(e.id));
  }
  if (!opts.unsorted) entries.sort((a, b) => compareIds(a.id, b.id));
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const parts: string[] = [];
  for (const e of entries) parts.push(await formatEntry(e, opts.variant ?? 'all', now));
  return parts.join('');
}

export async function countQueue(spoolDir: string, queueName = ''): Promise<number> {
  return (await scanQueue(spoolDir, queueName)).length;
}
