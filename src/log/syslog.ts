// Writing to syslog. Node has no Unix datagram sockets (node:dgram is UDP
// only) and /dev/log is a datagram socket on Linux, so tern hands its syslog
// entries to one long-lived util-linux `logger` child, which owns the socket:
// one line on its stdin, prefixed with "<priority>" (--prio-prefix), is one
// syslog message. If there is no socket or no `logger`, creating the sink
// fails with a clear error (reported at configuration time): syslog entries
// are never silently dropped.
//
// Exim's splitting: an entry is cut at internal newlines and after 870
// bytes; when that gives more than one piece, each starts "[n/m] " — with
// "\" instead of "/" when the piece ended at a newline and more follows.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';

export const SYSLOG_MAX_PIECE = 870;

export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  mail: 2, user: 1, news: 7, uucp: 8, daemon: 3,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

export const SYSLOG_SEVERITY = { crit: 2, alert: 1, notice: 5, info: 6 } as const;
export type SyslogSeverity = keyof typeof SYSLOG_SEVERITY;

export class SyslogError extends Error {
  override name = 'SyslogError';
}

/** Split one entry the way Exim does before handing it to syslog. */
export function splitForSyslog(entry: string, max = SYSLOG_MAX_PIECE): string[] {
  let s = entry.endsWith('\n') ? entry.slice(0, -1) : entry;
  const pieces: { text: string; atNewline: boolean }[] = [];
  while (s.length > 0) {
    const nl = s.indexOf('\n');
    let len = nl >= 0 ? nl : s.length;
    if (len > max) len = max;
    const atNewline = s[len] === '\n';
    pieces.push({ text: s.slice(0, len), atNewline: atNewline && len + 1 < s.length });
    s = s.slice(atNewline ? len + 1 : len);
  }
  if (pieces.length <= 1) return pieces.map((p) => p.text);
  return pieces.map((p, i) => `[${i + 1}${p.atNewline ? '\\' : '/'}${pieces.length}] ${p.text}`);
}

export interface SyslogOptions {
  facility: string;
  /** syslog_processname: the "ident" (tag). */
  ident: string;
  /** The pid syslog adds to each message (syslog_pid); none when undefined. */
  pid?: number;
  /** The socket; /dev/log unless a test points elsewhere. */
  socketPath?: string;
  /** The logger program. */
  loggerProgram?: string;
}

export function checkSyslogFacility(name: string): number {
  const code = SYSLOG_FACILITIES[name];
  if (code === undefined) throw new SyslogError(`failed to interpret syslog_facility "${name}"`);
  return code;
}

function findLogger(explicit?: string): string {
  const candidates = explicit ? [explicit] : ['/usr/bin/logger', '/bin/logger', '/usr/local/bin/logger'];
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {}
  }
  throw new SyslogError('logging to syslog needs the util-linux "logger" program, which was not found');
}

export class SyslogSink {
  private readonly facility: number;
  private readonly argv: string[];
  private readonly program: string;
  private child: ChildProcess | undefined;
  private broken: string | undefined;

  constructor(opts: SyslogOptions) {
    if (opts.ident.length > 32) throw new SyslogError(`syslog_processname is longer than 32 chars: "${opts.ident}"`);
    this.facility = checkSyslogFacility(opts.facility);
    const socketPath = opts.socketPath ?? '/dev/log';
    let isSocket = false;
    try {
      isSocket = fs.statSync(socketPath).isSocket();
    } catch {}
    if (!isSocket) throw new SyslogError(`syslog requested in log_file_path, but there is no syslog socket at ${socketPath}`);
    this.program = findLogger(opts.loggerProgram);
    this.argv = ['--prio-prefix', '-t', opts.ident, '-u', socketPath, '--socket-errors=on', '-S', '8192'];
    if (opts.pid !== undefined) this.argv.push(`--id=${opts.pid}`);
  }

  private start(): ChildProcess {
    const child = spawn(this.program, this.argv, { stdio: ['pipe', 'ignore', 'pipe'] });
    child.on('error', (e) => this.fail(`cannot run ${this.program}: ${e.message}`));
    child.on('exit', (code) => {
      if (this.child === child) this.child = undefined;
      if (code) this.fail(`${this.program} exited with status ${code}`);
    });
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`syslog: ${d.toString()}`));
    child.stdin!.on('error', (e) => this.fail(`writing to ${this.program}: ${e.message}`));
    // The helper must not keep an otherwise finished process alive.
    child.unref();
    (child.stdin as net.Socket).unref();
    (child.stderr as net.Socket).unref();
    return child;
  }

  private fail(why: string): void {
    this.broken ??= why;
    process.stderr.write(`tern: syslog unavailable: ${why}\n`);
  }

  /** Send one entry; returns false (and the caller falls back) when syslog has failed. */
  write(severity: SyslogSeverity, entry: string): boolean {
    if (this.broken) return false;
    this.child ??= this.start();
    const prio = `<${this.facility * 8 + SYSLOG_SEVERITY[severity]}>`;
    let data = '';
    for (const piece of splitForSyslog(entry)) data += prio + piece + '\n';
    this.child.stdin!.write(data);
    return true;
  }

  /** Wait until everything written has reached the logger's pipe. */
  async flush(): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.writableLength === 0) return;
    await new Promise<void>((resolve) => stdin.once('drain', resolve));
  }

  /** Close the pipe; resolves when the logger has sent everything and exited. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    await exited;
  }
}
