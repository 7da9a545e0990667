// What every av_scanner type shares: the job it is given (the .eml, its
// options, a deadline) and how it reports trouble. A MalwareError's text
// is what follows "malware acl condition: " in the main and panic logs;
// scannerError builds Exim's "<type> <address> : <text>" form of it.

import { compileRegex, RegexError, type CompiledRegex } from '../regex/index.ts';
import type { ScanFile } from './spool-file.ts';

export interface ScanJob {
  /** The scanner type's options: the items of av_scanner after the type. */
  options: readonly string[];
  file: ScanFile;
  messageId: string;
  /** Milliseconds since the epoch by which the scan must be over. */
  deadline: number;
}

export interface ScanResult {
  /** The malware found, or undefined for a clean message. */
  name?: string;
  /** $callout_address, when the scanner was reached over a socket. */
  calloutAddress?: string;
}

export class MalwareError extends Error {
  /** Logs to write besides the main log (Exim's malware_panic_defer writes the panic log too). */
  readonly panic: boolean;
  constructor(text: string, panic = true) {
    super(text);
    this.panic = panic;
  }
}

export function scannerError(type: string, where: string | undefined, text: string): MalwareError {
  return new MalwareError(`${type} ${where ?? ''} : ${text}`);
}

/** Compile one of a scanner's regular expressions, or a scannerError naming what was missing/wrong. */
export function scannerRegex(type: string, pattern: string | undefined, missing: string): CompiledRegex {
  if (pattern === undefined || pattern === '') throw scannerError(type, undefined, missing);
  try {
    return compileRegex(pattern);
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    throw scannerError(type, undefined, e.message);
  }
}

/** The first capture of re in subject (the malware name), if it matched with one. */
export function firstCapture(re: CompiledRegex, subject: string): string | undefined {
  const m = re.exec(subject);
  return m?.[1] ?? undefined;
}
