// Durable writing of a new message: the -D file, then the -H file, then the
// directory entry, each on disk before the next step (spec: "No
// acknowledgement before durability"). Only after writeMessage resolves may
// the receiver answer 250.
//
//   1. <id>-D is created exclusively (O_EXCL: an id in use is never
//      overwritten), its name line and the body written and fsynced;
//   2. the -H file is written under the temporary name hdr.<id> in the same
//      directory and fsynced, then renamed to <id>-H, so that no reader ever
//      sees a partial -H, and a -H never exists without its complete -D;
//   3. the directory is fsynced (shared with concurrent writers: durable.ts).
//
// Both entries live in one directory, and the single directory fsync after
// the rename makes both durable; on journalling file systems (ext4, xfs)
// directory operations reach the disk in order, so a crash cannot keep the
// -H entry and lose the -D one.
//
// The body is written as given: Unix line ends, or CRLF when
// msg.spoolFileWireformat is set (the receiver chooses and sets the flag).

import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '../mail/message.ts';
import { formatHeaderFile } from './format.ts';
import { inputDirFor } from './paths.ts';
import { ensureDurableDir, fsyncPath, syncDirectory } from './durable.ts';
import { isMessageId } from './message-id.ts';

export interface WriteOptions {
  split: boolean;
  /** Share directory fsyncs with concurrent writers (default true; false only for measurements). */
  groupCommit?: boolean;
  /** File mode of the spool files (Exim's SPOOL_MODE is 0640). */
  mode?: number;
}

export class MessageIdInUseError extends Error {
  override name = 'MessageIdInUseError';
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

async function writeFileDurably(file: string, flags: string, mode: number, chunks: Buffer[]): Promise<void> {
  const fh = await fs.promises.open(file, flags, mode);
  try {
    await fh.writev(chunks);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeMessage(spoolDir: string, msg: Message, body: Buffer | Buffer[], opts: WriteOptions): Promise<void> {
  if (!isMessageId(msg.id)) throw new Error(`writeMessage: "${msg.id}" is not a message id`);
  const dir = inputDirFor({ spoolDir, queueName: msg.queueName, split: opts.split }, msg.id);
  const mode = opts.mode ?? 0o640;
  const dataFile = path.join(dir, `${msg.id}-D`);
  const tempHeader = path.join(dir, `hdr.${msg.id}`);
  const headerFile = path.join(dir, `${msg.id}-H`);
  const dataChunks = [Buffer.from(`${msg.id}-D\n`, 'latin1'), ...(Array.isArray(body) ? body : [body])];

  await ensureDurableDir(dir);
  try {
    await writeFileDurably(dataFile, 'wx', mode, dataChunks);
  } catch (e) {
    if (errno(e) === 'EEXIST') throw new MessageIdInUseError(`spool file ${dataFile} already exists`);
    throw e;
  }
  try {
    await writeFileDurably(tempHeader, 'w', mode, [formatHeaderFile(msg)]);
    await fs.promises.rename(tempHeader, headerFile);
    if (opts.groupCommit === false) await fsyncPath(dir);
    else await syncDirectory(dir);
  } catch (e) {
    // Nothing half-written stays behind: without its -H the message does not exist.
    await fs.promises.rm(headerFile, { force: true }).catch(() => {});
    await fs.promises.rm(tempHeader, { force: true }).catch(() => {});
    await fs.promises.rm(dataFile, { force: true }).catch(() => {});
    throw e;
  }
}

/**
 * Rewrite the -H file of a message already on the spool (after a delivery
 * attempt, freeze, thaw...): same temporary-name-and-rename dance, durable
 * before it resolves.
 */
export async function rewriteHeaderFile(spoolDir: string, msg: Message, opts: WriteOptions): Promise<void> {
  const dir = inputDirFor({ spoolDir, queueName: msg.queueName, split: opts.split }, msg.id);
  const tempHeader = path.join(dir, `hdr.${msg.id}`);
  try {
    await writeFileDurably(tempHeader, 'w', opts.mode ?? 0o640, [formatHeaderFile(msg)]);
    await fs.promises.rename(tempHeader, path.join(dir, `${msg.id}-H`));
  } catch (e) {
    await fs.promises.rm(tempHeader, { force: true }).catch(() => {});
    throw e;
  }
  if (opts.groupCommit === false) await fsyncPath(dir);
  else await syncDirectory(dir);
}
