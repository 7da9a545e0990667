// The few file operations the spool writer needs, as promises over Node's
// callback API: plain descriptors, one thread-pool round trip per call.
// (fs.promises wraps every descriptor in a FileHandle object with its own
// bookkeeping and close tracking; at thousands of messages per second that
// shows in the profile, and we close our descriptors ourselves.)

import fs from 'node:fs';

export function openFile(file: string, flags: number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(file, flags, mode, (e, fd) => (e ? reject(e) : resolve(fd)));
  });
}

export function fsyncFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fsync(fd, (e) => (e ? reject(e) : resolve()));
  });
}

export function renameFile(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.rename(from, to, (e) => (e ? reject(e) : resolve()));
  });
}

/** Write every byte of `chunks` to a new file (writev may write less than asked). */
export function writeAllSync(fd: number, chunks: Buffer[]): void {
  let rest = chunks;
  while (rest.length > 0) {
    let n = fs.writevSync(fd, rest);
    const left: Buffer[] = [];
    for (const c of rest) {
      if (n >= c.length) n -= c.length;
      else {
        left.push(n > 0 ? c.subarray(n) : c);
        n = 0;
      }
    }
    rest = left;
  }
}

export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already failing: the first error is the one reported
  }
}

export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // best effort: the first error is the one reported
  }
}
