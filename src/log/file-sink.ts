// One log file (main or reject): opened on first use in append mode and kept
// open, each entry written with a single write() so that entries from
// several processes never interleave (O_APPEND makes each write land whole
// at the end of the file).
//
// Rotation: like Exim, before reusing the open file we stat its name and
// reopen when the file is gone or its inode changed (a cycling script renamed
// it). Exim stats on every write; we do it at most once per
// `checkIntervalMs` (entries written within that window still land in the
// renamed file, which cycling scripts leave in place until a later run).
// Datestamped names (%D, %M) switch file as soon as the date changes.

import fs from 'node:fs';
import path from 'node:path';
import { logFileName, isDatestamped, type LogName } from './paths.ts';

export const LOG_FILE_MODE = 0o640;

type CivilOf = (d: Date) => { y: number; mo: number; d: number };

export class LogFileSink {
  private readonly pattern: string;
  private readonly log: LogName;
  private readonly civilOf: CivilOf;
  private readonly checkIntervalMs: number;
  private readonly datestamped: boolean;
  private fd = -1;
  private ino = 0;
  private name = '';
  private lastCheck = 0;

  constructor(pattern: string, log: LogName, civilOf: CivilOf, checkIntervalMs: number) {
    this.pattern = pattern;
    this.log = log;
    this.civilOf = civilOf;
    this.checkIntervalMs = checkIntervalMs;
    this.datestamped = isDatestamped(pattern);
  }

  /** The file name entries written at `now` go to. */
  fileName(now: Date): string {
    return logFileName(this.pattern, this.log, this.civilOf(now));
  }

  /** Append one whole entry. Throws a Node errno error when the file cannot be opened or written. */
  write(data: Buffer, now: Date): void {
    const t = now.getTime();
    // The clock caches civil time per second, so deriving the name per entry is cheap.
    if (this.fd >= 0 && this.datestamped && this.fileName(now) !== this.name) this.close();
    if (this.fd >= 0 && t - this.lastCheck >= this.checkIntervalMs) {
      this.lastCheck = t;
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(this.name);
      } catch {
        st = undefined;
      }
      if (!st || st.ino !== this.ino) this.close();
    }
    if (this.fd < 0) this.open(now);
    const n = fs.writeSync(this.fd, data);
    if (n !== data.length) throw Object.assign(new Error(`short write on ${this.name}: ${n} of ${data.length}`), { code: 'EIO' });
  }

  private open(now: Date): void {
    const name = this.fileName(now);
    this.fd = openAppend(name);
    this.name = name;
    this.ino = fs.fstatSync(this.fd).ino;
    this.lastCheck = now.getTime();
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {}
    }
    this.fd = -1;
    this.ino = 0;
  }
}

/** Open for appending, creating the file (and, like Exim, its directory) when missing. */
export function openAppend(name: string): number {
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  try {
    return fs.openSync(name, flags, LOG_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(name), { recursive: true, mode: 0o750 });
    return fs.openSync(name, flags, LOG_FILE_MODE);
  }
}

/** Append one entry to a file that is not kept open (the panic log). */
export function appendOnce(name: string, data: Buffer): void {
  const fd = openAppend(name);
  try {
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}
