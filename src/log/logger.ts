// The logger: builds Exim's log entries and sends them to the files and/or
// syslog that log_file_path names.
//
// Entry layout: "<timestamp> [<pid>] <message id> <text>\n"; the pid only
// under +pid, the id when the entry is about a message. Reject entries go to
// the main log too (unless told otherwise) and, in the reject log, are
// followed by the envelope and the message's header lines when the header
// has been read (+rejected_header). Panic entries also go to stderr, and to
// the main log unless told otherwise. File writes are synchronous, one
// write() per entry, so that an entry is on its way before the caller goes on
// (a 250 is never sent for a message whose <= line could still be lost in a
// buffer) and several processes can share one file.

import fs from 'node:fs';
import path from 'node:path';
import { encodeBytes, isAscii } from '../expand/operators/bytes.ts';
import { strerror } from '../expand/strerror.ts';
import { appendOnce, LogFileSink } from './file-sink.ts';
import { logFileName, parseLogFilePath, type LogDestinations } from './paths.ts';
import type { LogSelector } from './selectors.ts';
import { SyslogSink, type SyslogSeverity } from './syslog.ts';
import { LogClock, checkTimeZone } from './timestamp.ts';

export interface RejectOptions {
  id?: string;
  /** Lines appended to the reject log entry (see formatRejectHeaders); only with +rejected_header. */
  headers?: string[];
  /** Also write the line to the main log (default true, as Exim's rejections do). */
  mainToo?: boolean;
}

export interface Logger {
  readonly selector: LogSelector;
  /** A main log entry; `id` (message id) goes after the timestamp/pid as Exim does. */
  main(text: string, opts?: { id?: string }): void;
  /** A reject log entry (and main log entry, unless mainToo is false), with the header lines appended when given. */
  reject(text: string, opts?: RejectOptions): void;
  /** A panic log entry, also to stderr and (unless mainToo is false) to the main log. */
  panic(text: string, opts?: { id?: string; mainToo?: boolean }): void;
  /** A line in the message's own log (spool msglog/<id>), when message_logs is true. */
  /** Append to msglog/<id>; written in the background, in order (flush() waits for it). */
  messageLog(id: string, text: string, opts?: { subdirectory?: string }): void;
  /** Wait for entries handed to syslog; file entries are written at once. */
  flush(): Promise<void>;
  /** Close files and the syslog helper (tests, orderly exit). */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** log_file_path, expanded. Empty means the default under the spool directory. */
  logFilePath: string;
  selector: LogSelector;
  spoolDirectory: string;
  writeRejectlog: boolean;
  syslogFacility?: string;
  syslogProcessName?: string;
  syslogTimestamp?: boolean;
  syslogDuplication?: boolean;
  syslogPid?: boolean;
  /** log_timezone: add the UTC offset to timestamps. */
  logTimezone?: boolean;
  /** The `timezone` option (an IANA name); the process's TZ when absent. */
  timezone?: string;
  /** message_logs (default true). */
  messageLogs?: boolean;
  pid?: number;
  /** Where panic entries are echoed; process.stderr by default, null for nowhere (a detached daemon). */
  stderr?: NodeJS.WritableStream | null;
  /** Rotation check interval (default 1000 ms). */
  reopenCheckMs?: number;
  /** Tests: another syslog socket than /dev/log. */
  syslogSocket?: string;
  /** Tests/clock injection. */
  now?: () => Date;
}

function toBytes(s: string): Buffer {
  return isAscii(s) ? Buffer.from(s, 'latin1') : encodeBytes(s);
}

export class EximLogger implements Logger {
  readonly selector: LogSelector;
  readonly destinations: LogDestinations;
  private readonly opts: LoggerOptions;
  private readonly clock: LogClock;
  private readonly msglogClock: LogClock;
  private readonly mainFile?: LogFileSink;
  private readonly rejectFile?: LogFileSink;
  private readonly syslog?: SyslogSink;
  private readonly pidText: string;
  private readonly now: () => Date;

  constructor(opts: LoggerOptions) {
    this.opts = opts;
    this.selector = opts.selector;
    this.now = opts.now ?? (() => new Date());
    if (opts.timezone) checkTimeZone(opts.timezone);
    this.destinations = parseLogFilePath(opts.logFilePath, opts.spoolDirectory);
    const withZone = opts.logTimezone ?? false;
    this.clock = new LogClock({ millisec: opts.selector.has('millisec'), withZone, timeZone: opts.timezone || undefined });
    // Message logs carry the same timestamp as the main log, without pid or id.
    this.msglogClock = this.clock;
    const pid = opts.pid ?? process.pid;
    this.pidText = opts.selector.has('pid') ? `[${pid}] ` : '';
    const file = this.destinations.file;
    if (file !== undefined) {
      const civil = (d: Date) => this.clock.civil(d);
      const every = opts.reopenCheckMs ?? 1000;
      this.mainFile = new LogFileSink(file, 'main', civil, every);
      this.rejectFile = new LogFileSink(file, 'reject', civil, every);
    }
    if (this.destinations.syslog) {
      this.syslog = new SyslogSink({
        facility: opts.syslogFacility || 'mail',
        ident: opts.syslogProcessName ?? 'exim',
        pid: (opts.syslogPid ?? true) ? pid : undefined,
        socketPath: opts.syslogSocket,
      });
    }
    for (const w of this.destinations.warnings) this.panic(w);
  }

  /** "<timestamp> [pid] " — and where the timestamp and pid end, for syslog's variants. */
  private prefix(now: Date, id: string | undefined): { head: string; stampLen: number } {
    const stamp = this.clock.format(now) + ' ';
    return { head: stamp + this.pidText + (id ? id + ' ' : ''), stampLen: stamp.length };
  }

  /** The syslog form of an entry: without timestamp (syslog_timestamp false) or pid (syslog_pid false). */
  private forSyslog(entry: string, stampLen: number): string {
    let s = entry;
    if (this.pidText && this.opts.syslogPid === false) s = s.slice(0, stampLen) + s.slice(stampLen + this.pidText.length);
    if (this.opts.syslogTimestamp === false) s = s.slice(stampLen);
    return s;
  }

  private toSyslog(severity: SyslogSeverity, entry: string, stampLen: number): void {
    if (!this.syslog) return;
    // A broken syslog must not swallow entries: they go to stderr instead.
    if (!this.syslog.write(severity, this.forSyslog(entry, stampLen))) this.stderrStream()?.write(entry);
  }

  private writeFile(sink: LogFileSink, which: string, entry: string, now: Date): void {
    try {
      sink.write(toBytes(entry), now);
    } catch (e) {
      // Exim panics (and dies) here; we record the failure and the entry on the panic log and go on.
      const name = sink.fileName(now);
      const uid = process.geteuid?.() ?? 0;
      const gid = process.getegid?.() ?? 0;
      this.panicEntry(`Cannot open ${which} log file "${name}": ${strerror(e)}: euid=${uid} egid=${gid}`, undefined, entry);
    }
  }

  private stderrStream(): NodeJS.WritableStream | null {
    return this.opts.stderr === undefined ? process.stderr : this.opts.stderr;
  }

  main(text: string, opts: { id?: string } = {}): void {
    const now = this.now();
    const { head, stampLen } = this.prefix(now, opts.id);
    const entry = head + text + '\n';
    this.toSyslog('info', entry, stampLen);
    if (this.mainFile) this.writeFile(this.mainFile, 'main', entry, now);
  }

  reject(text: string, opts: RejectOptions = {}): void {
    const now = this.now();
    const { head, stampLen } = this.prefix(now, opts.id);
    const line = head + text + '\n';
    if (opts.mainToo ?? true) {
      if (this.syslog && ((this.opts.syslogDuplication ?? true) || !this.opts.writeRejectlog)) this.toSyslog('info', line, stampLen);
      if (this.mainFile) this.writeFile(this.mainFile, 'main', line, now);
    }
    if (!this.opts.writeRejectlog) return;
    let entry = line;
    if (opts.headers && opts.headers.length > 0 && this.selector.has('rejected_header')) {
      for (const h of opts.headers) entry += h.endsWith('\n') ? h : h + '\n';
    }
    this.toSyslog('notice', entry, stampLen);
    if (this.rejectFile) this.writeFile(this.rejectFile, 'reject', entry, now);
  }

  panic(text: string, opts: { id?: string; mainToo?: boolean } = {}): void {
    if (opts.mainToo ?? true) {
      const now = this.now();
      const { head, stampLen } = this.prefix(now, opts.id);
      const entry = head + text + '\n';
      if (this.opts.syslogDuplication ?? true) this.toSyslog('info', entry, stampLen);
      if (this.mainFile) this.writeFile(this.mainFile, 'main', entry, now);
    }
    this.panicEntry(text, opts.id);
  }

  /** The panic log proper: stderr, syslog, and the file (opened for each entry). */
  private panicEntry(text: string, id: string | undefined, saved?: string): void {
    const now = this.now();
    const { head, stampLen } = this.prefix(now, id);
    const entry = head + text + '\n';
    const err = this.stderrStream();
    err?.write(entry);
    if (this.syslog) {
      if (saved) this.toSyslog('alert', saved, stampLen);
      this.toSyslog('alert', entry, stampLen);
    }
    const file = this.destinations.file;
    if (file === undefined) return;
    const name = logFileName(file, 'panic', this.clock.civil(now));
    try {
      appendOnce(name, toBytes((saved ?? '') + entry));
    } catch (e) {
      // Last resort: the entry already went to stderr; say why the file failed too.
      err?.write(`${head}Cannot open panic log file "${name}": ${strerror(e)}\n`);
    }
  }

  messageLog(id: string, text: string, opts: { subdirectory?: string } = {}): void {
    if (this.opts.messageLogs === false) return;
    const now = this.now();
    const name = path.join(this.opts.spoolDirectory, 'msglog', opts.subdirectory ?? '', id);
    const entry = this.msglogClock.format(now) + ' ' + text + '\n';
    // Written directly: open, write and close of a small file cost less
    // CPU than three thread-pool round trips (it is never fsynced, by Exim either).
    try {
      appendOnce(name, toBytes(entry));
    } catch (e) {
      this.panicEntry(`failed to open message log ${name}: ${strerror(e)}`, id);
    }
  }

  async flush(): Promise<void> {
    await this.syslog?.flush();
  }

  async close(): Promise<void> {
    this.mainFile?.close();
    this.rejectFile?.close();
    await this.syslog?.close();
  }
}

/** Remove a message's log (after completion, unless preserve_message_logs). */
export function removeMessageLog(spoolDirectory: string, id: string, subdirectory = ''): void {
  try {
    fs.unlinkSync(path.join(spoolDirectory, 'msglog', subdirectory, id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
