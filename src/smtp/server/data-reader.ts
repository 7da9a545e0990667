// Reading a message after DATA: dot-unstuffing and the end of data, with
// Exim's treatment of line endings (chapter "Line endings" of the spec, as
// Exim 4.97+ behaves, recorded from Exim 4.98):
//
// - The first line decides: if it ends in CRLF, only CRLF ends lines that
//   can carry the terminating "."; a bare LF becomes a space in the body (in
//   the header it starts a continuation line: "\n "), and a bare CR ends a
//   line (in the header also as a continuation) but the next line cannot
//   end the message. So "\n.\r\n", "\r\n.\n" and "\r.\r\n" never end DATA:
//   only CRLF "." CRLF does (no SMTP smuggling).
// - If the first line ends in a bare LF, LF ends lines and "\n.\n" ends
//   the message (old Unix clients).
// - A "." at the start of a line is removed (dot-stuffing).
//
// The output is Exim's internal form: lines ended by LF.

import type { SessionInput } from './input.ts';

export interface DataResult {
  /** How reading stopped: the terminating dot, the end of input, or a timeout. */
  end: 'dot' | 'eof' | 'timeout';
  /** The message in LF form (empty when it was too big: the bytes are not kept). */
  chunks: Buffer[];
  /** Bytes of the message in LF form, as Exim counts message_size (kept or not). */
  size: number;
  /** message_size_limit was exceeded. */
  tooBig: boolean;
  /** Line ends (LF) consumed from the input, the final dot's line included (-bS line numbers). */
  wireLines: number;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const SP = 0x20;

// States of the swallowing of a message over the limit.
const SW_MID = 0;
const SW_LINE_START = 1;
const SW_DOT = 2;
const SW_DOT_CR = 3;

// Reader states.
const LINE_START = 0; // after a line end that may start a terminating "."
const MID = 1; // inside a line (or after a bare CR: no "." end possible)
const AFTER_CR = 2; // a CR not yet known to be part of CRLF
const AFTER_DOT = 3; // "." at a line start
const AFTER_DOT_CR = 4; // "." CR at a line start

// Where readers put the bytes they produce (one at a time: feedBuffer copies
// them out before it returns, and sessions only interleave between calls).
const scratch = Buffer.allocUnsafe(65536);

export class DataReader {
  private state = LINE_START;
  /** undefined until the first line end; then whether CRLF is the line end. */
  private crlf: boolean | undefined;
  private inHeader = true;
  private lineEmpty = true;
  /** Bytes produced by the current feedBuffer call (copied out before it returns: the scratch is shared). */
  private out = 0;
  private readonly chunks: Buffer[] = [];
  size = 0;
  tooBig = false;
  /** Where the swallowing of a message over the limit is (SW_*). */
  private swallow = SW_MID;
  private readonly limit: number;

  constructor(sizeLimit: number) {
    this.limit = sizeLimit;
  }

  private emit(c: number): void {
    this.size++;
    if (this.limit > 0 && this.size > this.limit) {
      if (!this.tooBig) this.swallow = c === LF ? SW_LINE_START : SW_MID;
      this.tooBig = true;
      this.out = 0;
      this.chunks.length = 0;
      return;
    }
    scratch[this.out++] = c;
    if (this.out === scratch.length) this.flush();
  }

  private flush(): void {
    if (this.out > 0) { this.chunks.push(Buffer.from(scratch.subarray(0, this.out))); this.out = 0; }
  }

  /** Inside a line, a run of bytes that are neither CR nor LF is copied as it is (what ordinary() does byte by byte). */
  private copyRun(b: Buffer, from: number): number {
    let to = b.length;
    const cr = b.indexOf(CR, from);
    if (cr >= 0) to = cr;
    const lf = b.indexOf(LF, from);
    if (lf >= 0 && lf < to) to = lf;
    let n = to - from;
    if (this.limit > 0 && this.size + n > this.limit) return from; // byte by byte: the limit handling is there
    this.size += n;
    this.lineEmpty = false;
    while (n > 0) {
      const take = Math.min(n, scratch.length - this.out);
      b.copy(scratch, this.out, from, from + take);
      this.out += take;
      from += take;
      n -= take;
      if (this.out === scratch.length) this.flush();
    }
    return from;
  }

  /** A real line end (CRLF, or LF in LF mode). */
  private lineEnd(): void {
    this.emit(LF);
    if (this.inHeader && this.lineEmpty) this.inHeader = false;
    this.lineEmpty = true;
    this.state = LINE_START;
  }

  /** A CR or LF that does not end a line that may hold the final dot. */
  private bareEnding(c: number): void {
    if (this.inHeader && !this.lineEmpty) {
      this.emit(LF);
      this.emit(SP);
    } else if (c === CR) {
      this.emit(LF);
      if (this.inHeader && this.lineEmpty) this.inHeader = false;
      this.lineEmpty = true;
    } else {
      this.emit(SP);
      this.lineEmpty = false;
    }
    this.state = MID;
  }

  private ordinary(c: number): void {
    if (c === CR) { this.state = AFTER_CR; return; }
    if (c === LF) {
      if (this.crlf === undefined) this.crlf = false;
      if (this.crlf) this.bareEnding(LF);
      else this.lineEnd();
      return;
    }
    this.emit(c);
    this.lineEmpty = false;
    this.state = MID;
  }

  /**
   * Feed one byte; true when the terminating dot line is complete. (What it
   * produces waits in the shared scratch until result() or feedBuffer():
   * readers fed byte by byte must not interleave.)
   */
  feed(c: number): boolean {
    if (this.tooBig) return this.swallowByte(c);
    switch (this.state) {
      case LINE_START:
        if (c === DOT) { this.state = AFTER_DOT; return false; }
        this.ordinary(c);
        return false;
      case MID:
        this.ordinary(c);
        return false;
      case AFTER_CR:
        if (c === LF) {
          if (this.crlf === undefined) this.crlf = true;
          this.lineEnd();
          return false;
        }
        this.bareEnding(CR);
        this.ordinary(c);
        return false;
      case AFTER_DOT:
        if (c === CR) { this.state = AFTER_DOT_CR; return false; }
        if (c === LF) {
          if (this.crlf !== true) return true; // LF mode (or nothing yet): "\n.\n" ends
          this.bareEnding(LF);
          return false;
        }
        // dot-stuffing: the leading dot goes
        this.ordinary(c);
        return false;
      case AFTER_DOT_CR:
        if (c === LF) return true;
        this.bareEnding(CR);
        this.ordinary(c);
        return false;
    }
    return false;
  }

  /**
   * Past message_size_limit Exim only swallows the rest, and then any line
   * "." ends it, whatever its line ends ("\n.\n", "\r\n.\n", "\n.\r\n"; not
   * after a bare CR): recorded from exim4 -bdf.
   */
  private swallowByte(c: number): boolean {
    // counted as it would be stored: a CRLF is one LF, a leading dot goes, the final "." line is not data
    if (c === LF) {
      if (this.swallow === SW_DOT || this.swallow === SW_DOT_CR) return true;
      this.size++;
      this.swallow = SW_LINE_START;
    } else if (c === DOT && this.swallow === SW_LINE_START) this.swallow = SW_DOT;
    else if (c === CR && this.swallow === SW_DOT) this.swallow = SW_DOT_CR;
    else {
      if (c !== CR) this.size++;
      this.swallow = SW_MID;
    }
    return false;
  }

  /** Feed a buffer; returns the index just past the end of data, or -1 if not reached. */
  feedBuffer(b: Buffer): number {
    let end = -1;
    for (let i = 0; i < b.length; i++) {
      if (this.state === MID && !this.tooBig) {
        i = this.copyRun(b, i);
        if (i === b.length) break;
      }
      if (this.feed(b[i])) {
        end = i + 1;
        break;
      }
    }
    this.flush();
    return end;
  }

  result(end: DataResult['end']): DataResult {
    this.flush();
    return { end, chunks: this.tooBig ? [] : this.chunks, size: this.size, tooBig: this.tooBig, wireLines: 0 };
  }
}

/** Read DATA from the session input until the final dot, end of input or timeout. */
export async function readMessageData(input: SessionInput, sizeLimit: number, timeoutMs: number): Promise<DataResult> {
  const reader = new DataReader(sizeLimit);
  let lines = 0;
  const countLines = (b: Buffer): void => {
    for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) lines++;
  };
  const done = (end: DataResult['end']): DataResult => ({ ...reader.result(end), wireLines: lines });
  for (;;) {
    let b: Buffer;
    try {
      b = await input.take(65536, timeoutMs);
    } catch {
      return done('timeout');
    }
    if (b.length === 0) return done('eof');
    const end = reader.feedBuffer(b);
    if (end >= 0) {
      countLines(b.subarray(0, end));
      if (end < b.length) input.unshift(b.subarray(end));
      return done('dot');
    }
    countLines(b);
  }
}
