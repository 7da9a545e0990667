// Durable writing of a new message (spec: "No acknowledgement before
// durability"). Only after writeMessage resolves may the receiver answer 250.
//
//   1. <id>-D is created exclusively (O_EXCL: an id in use is never
//      overwritten), and the temporary hdr.<id> beside it, at the same time;
//      the -D name line and body, and the -H contents, are written;
//   2. both files are fsynced, at the same time (the disk works on both
//      instead of one after the other, as Exim does);
//   3. hdr.<id> is renamed to <id>-H, so that no reader ever sees a partial
//      -H and a -H never names a -D that is not complete on disk;
//   4. the directory is fsynced (shared with concurrent writers: durable.ts),
//      which makes the new entries durable.
//
// A crash before step 3 leaves at most a -D and a hdr.<id>, which are not a
// message (Exim and tern list and deliver only ids with a -H); a crash after
// it leaves a whole message.
//
// Only the fsyncs go to libuv's thread pool: they wait for the disk. Creating
// the files, writing a few kilobytes into the page cache, closing and the
// rename are quick and made directly: a thread-pool round trip costs more CPU
// (a thread wake-up and a completion on each side) than any of them.

// The body is written as given: Unix line ends, or CRLF when
// msg.spoolFileWireformat is set (the receiver chooses and sets the flag).

import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '../mail/message.ts';
import { formatHeaderFile } from './format.ts';
import { inputDirFor } from './paths.ts';
import { ensureDurableDir, fsyncPath, syncDirectory } from './durable.ts';
import { closeQuietly, fsyncFile, openFile, removeQuietly, renameFile, writeAllSync } from './fs-ops.ts';
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

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC } = fs.constants;

async function commitDirectory(dir: string, opts: WriteOptions): Promise<void> {
  if (opts.groupCommit === false) await fsyncPath(dir);
  else await syncDirectory(dir);
}

/**
 * Create -D and hdr.<id>, both exclusively (an id in use, or one whose -H is
 * being rewritten, is never touched); on failure neither stays open or on disk.
 */
function createFiles(dataFile: string, tempHeader: string, mode: number): [number, number] {
  const flags = O_WRONLY | O_CREAT | O_EXCL;
  let data: number | undefined;
  try {
    data = fs.openSync(dataFile, flags, mode);
    return [data, fs.openSync(tempHeader, flags, mode)];
  } catch (e) {
    if (data !== undefined) {
      closeQuietly(data);
      removeQuietly(dataFile);
    }
    if (errno(e) === 'EEXIST') throw new MessageIdInUseError(`spool file ${data === undefined ? dataFile : tempHeader} already exists`);
    throw e;
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
  const header = formatHeaderFile(msg);

  await ensureDurableDir(dir);
  const [dataFd, headerFd] = createFiles(dataFile, tempHeader, mode);
  let open = true;
  let renamed = false;
  try {
    writeAllSync(dataFd, dataChunks);
    writeAllSync(headerFd, [header]);
    await Promise.all([fsyncFile(dataFd), fsyncFile(headerFd)]);
    open = false;
    fs.closeSync(dataFd);
    fs.closeSync(headerFd);
    fs.renameSync(tempHeader, headerFile);
    renamed = true;
    await commitDirectory(dir, opts);
  } catch (e) {
    // Nothing half-written stays behind: without its -H the message does not exist.
    if (open) {
      closeQuietly(dataFd);
      closeQuietly(headerFd);
    }
    if (renamed) removeQuietly(headerFile);
    removeQuietly(tempHeader);
    removeQuietly(dataFile);
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
  let fd: number | undefined;
  try {
    fd = await openFile(tempHeader, O_WRONLY | O_CREAT | O_TRUNC, opts.mode ?? 0o640);
    writeAllSync(fd, [formatHeaderFile(msg)]);
    await fsyncFile(fd);
    fs.closeSync(fd);
    fd = undefined;
    await renameFile(tempHeader, path.join(dir, `${msg.id}-H`));
  } catch (e) {
    closeQuietly(fd);
    removeQuietly(tempHeader);
    throw e;
  }
  await commitDirectory(dir, opts);
}
