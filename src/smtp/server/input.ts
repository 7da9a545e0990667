// The session's input: bytes from a stream, kept in a queue from which the
// session takes command lines, DATA bytes and BDAT chunks. Kept apart from
// the protocol so it can be driven by any stream (socket, stdin, memory).
//
// A command line ends at LF (a CR before it is removed), as Exim accepts
// bare LF from broken clients; a line longer than the command buffer is
// cut there and the rest is read as the next command, as Exim's fixed-size
// buffer does. `pendingInput()` says whether the client has already sent
// more than we have consumed: the synchronisation checks use it.

import type { Readable } from 'node:stream';

/** Exim's SMTP command buffer size: longer lines are split here. */
export const COMMAND_BUFFER_SIZE = 16384;

export class InputTimeout extends Error {
  override name = 'InputTimeout';
}

export interface CommandLine {
  /** The line without its terminator, decoded as latin1 (one char per byte). */
  text: string;
  /** The line was cut at COMMAND_BUFFER_SIZE. */
  truncated: boolean;
}

export class SessionInput {
  private chunks: Buffer[] = [];
  private offset = 0; // into chunks[0]
  private size = 0;
  private ended = false;
  private error: Error | undefined;
  private waiter: (() => void) | undefined;
  private stream: Readable;
  /** Stop buffering above this many bytes until the session consumes some. */
  private readonly highWater = 256 * 1024;
  private readonly onData = (b: Buffer | string): void => this.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  private readonly onEnd = (): void => { this.ended = true; this.wake(); this.notifyEnd(); };
  private readonly onError = (e: Error): void => { this.error = e; this.ended = true; this.wake(); this.notifyEnd(); };
  /** Callers of sleepUnlessEnded waiting for the client to go away. */
  private endWaiters = new Set<() => void>();

  constructor(stream: Readable) {
    this.stream = stream;
    this.listen();
  }

  private listen(): void {
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('close', this.onEnd);
    this.stream.on('error', this.onError);
  }

  /**
   * Stop reading the current stream (STARTTLS): pause it, drop what we
   * buffered and what the stream itself holds unread. Returns the number
   * of plaintext bytes thrown away. Bytes that arrive later stay in the
   * stream (paused) for the TLS layer's owner to deal with.
   */
  detach(): number {
    this.stream.removeListener('data', this.onData);
    this.stream.removeListener('end', this.onEnd);
    this.stream.removeListener('close', this.onEnd);
    this.stream.removeListener('error', this.onError);
    this.stream.pause();
    let n = this.discardBuffered();
    this.stream.pause();
    for (let c = this.stream.read() as Buffer | string | null; c !== null; c = this.stream.read() as Buffer | string | null) n += c.length;
    return n;
  }

  /**
   * Stop reading the current stream but give back, unread, what was
   * buffered (TLS on connect: those bytes are the start of the handshake).
   */
  detachKeeping(): void {
    this.stream.removeListener('data', this.onData);
    this.stream.removeListener('end', this.onEnd);
    this.stream.removeListener('close', this.onEnd);
    this.stream.removeListener('error', this.onError);
    this.stream.pause();
    const kept = this.peekBuffered(this.size);
    this.discardBuffered();
    this.stream.pause();
    if (kept.length > 0) this.stream.unshift(kept);
  }

  /** Read from `stream` from now on (the TLS layer, or the old stream again when TLS could not start). */
  attach(stream: Readable): void {
    this.stream = stream;
    this.ended = false;
    this.error = undefined;
    this.listen();
    stream.resume();
  }

  private push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
    if (this.size > this.highWater) this.stream.pause();
    this.wake();
  }

  private notifyEnd(): void {
    for (const w of [...this.endWaiters]) w();
  }

  /**
   * Wait ms milliseconds, or less when the input ends first (the client
   * closed: Exim's delay polls for that). Data that arrives meanwhile is
   * buffered and does not end the wait. Returns true when cut short.
   */
  async sleepUnlessEnded(ms: number): Promise<boolean> {
    if (this.ended) return true;
    return new Promise<boolean>((resolve) => {
      const done = (early: boolean): void => {
        clearTimeout(timer);
        this.endWaiters.delete(onEnd);
        resolve(early);
      };
      const onEnd = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.endWaiters.add(onEnd);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Bytes received and not yet consumed. */
  buffered(): number {
    return this.size;
  }

  /** True when the client has sent data we have not read yet. */
  pendingInput(): boolean {
    return this.size > 0;
  }

  atEnd(): boolean {
    return this.ended && this.size === 0;
  }

  /** The error that ended the input, if any (for "lost (error: ...)"). */
  endError(): Error | undefined {
    return this.error;
  }

  /** Wait until more data arrives or the input ends; throws InputTimeout after timeoutMs (0 = none). */
  async waitForData(timeoutMs: number): Promise<void> {
    if (this.size > 0 || this.ended) return;
    this.stream.resume();
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      this.waiter = () => { if (timer) clearTimeout(timer); resolve(); };
      if (timeoutMs > 0) {
        timer = setTimeout(() => { this.waiter = undefined; reject(new InputTimeout('timeout')); }, timeoutMs);
      }
    });
  }

  /** Take one byte (or -1 at end of input), waiting as needed. */
  async byte(timeoutMs: number): Promise<number> {
    while (this.size === 0) {
      if (this.ended) return -1;
      await this.waitForData(timeoutMs);
    }
    const c = this.chunks[0];
    const v = c[this.offset++];
    this.size--;
    if (this.offset >= c.length) { this.chunks.shift(); this.offset = 0; }
    if (this.size < this.highWater / 2) this.stream.resume();
    return v;
  }

  /** The bytes currently buffered (not consumed), for "next input=" in sync error logs. */
  peekBuffered(max: number): Buffer {
    const parts: Buffer[] = [];
    let need = max;
    for (let i = 0; i < this.chunks.length && need > 0; i++) {
      const c = i === 0 ? this.chunks[0].subarray(this.offset) : this.chunks[i];
      parts.push(c.subarray(0, need));
      need -= Math.min(need, c.length);
    }
    return Buffer.concat(parts);
  }

  /** Drop everything buffered (STARTTLS: plaintext pipelined after it must not survive the upgrade). */
  discardBuffered(): number {
    const n = this.size;
    this.chunks = [];
    this.offset = 0;
    this.size = 0;
    this.stream.resume();
    return n;
  }

  /**
   * Take up to n bytes (at least one unless at end), waiting for the first.
   * Returns an empty buffer at end of input.
   */
  async take(n: number, timeoutMs: number): Promise<Buffer> {
    while (this.size === 0) {
      if (this.ended) return Buffer.alloc(0);
      await this.waitForData(timeoutMs);
    }
    const c = this.chunks[0];
    const avail = c.length - this.offset;
    const k = Math.min(n, avail);
    const out = c.subarray(this.offset, this.offset + k);
    this.offset += k;
    this.size -= k;
    if (this.offset >= c.length) { this.chunks.shift(); this.offset = 0; }
    if (this.size < this.highWater / 2) this.stream.resume();
    return out;
  }

  /** Put back bytes taken but not used (they are read again first). */
  unshift(b: Buffer): void {
    if (b.length === 0) return;
    if (this.offset > 0) { this.chunks[0] = this.chunks[0].subarray(this.offset); this.offset = 0; }
    this.chunks.unshift(b);
    this.size += b.length;
  }

  /** Read one command line; null at end of input with nothing pending. */
  async readLine(timeoutMs: number): Promise<CommandLine | null> {
    const bytes: number[] = [];
    for (;;) {
      // Fast path: scan the current chunk for LF.
      if (this.size > 0) {
        const c = this.chunks[0];
        let i = this.offset;
        const limit = Math.min(c.length, this.offset + (COMMAND_BUFFER_SIZE - bytes.length));
        while (i < limit && c[i] !== 0x0a) i++;
        for (let j = this.offset; j < i; j++) bytes.push(c[j]);
        const consumed = i - this.offset + (i < c.length && c[i] === 0x0a ? 1 : 0);
        const sawLf = i < c.length && c[i] === 0x0a;
        this.offset += consumed;
        this.size -= consumed;
        if (this.offset >= c.length) { this.chunks.shift(); this.offset = 0; }
        if (this.size < this.highWater / 2) this.stream.resume();
        if (sawLf) {
          if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes.pop();
          return { text: Buffer.from(bytes).toString('latin1'), truncated: false };
        }
        if (bytes.length >= COMMAND_BUFFER_SIZE) return { text: Buffer.from(bytes).toString('latin1'), truncated: true };
        continue;
      }
      // A line cut short by the end of input is not a command (Exim: EOF).
      if (this.ended) return null;
      await this.waitForData(timeoutMs);
    }
  }
}
