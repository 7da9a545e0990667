// A read position in a spooled message. Exim's MIME scanner is written
// against a stdio stream (fgets, fgetc, ungetc, ftell/fseek); the quirks of
// those calls (a line is cut after size-1 bytes, a NUL ends a C string)
// decide what Exim sees, so this cursor offers the same few operations.

const LF = 0x0a;

export class ByteCursor {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next byte, or -1 at the end. */
  getc(): number {
    return this.pos < this.buf.length ? this.buf[this.pos++] : -1;
  }

  /** Step back over the byte just read. */
  ungetc(): void {
    if (this.pos > 0) this.pos--;
  }

  /** fgets(size): up to size-1 bytes, ending after the first LF; undefined at the end. */
  gets(size: number): Buffer | undefined {
    if (this.pos >= this.buf.length) return undefined;
    const limit = Math.min(this.buf.length, this.pos + size - 1);
    const nl = this.buf.indexOf(LF, this.pos);
    const end = nl >= 0 && nl < limit ? nl + 1 : limit;
    const line = this.buf.subarray(this.pos, end);
    this.pos = end;
    return line;
  }

  fork(): ByteCursor {
    return new ByteCursor(this.buf, this.pos);
  }
}

/** The bytes of a C string read by fgets: everything before the first NUL. */
export function cString(line: Buffer): Buffer {
  const nul = line.indexOf(0);
  return nul < 0 ? line : line.subarray(0, nul);
}

/** Does a line open with "--" and the boundary (Exim compares only that prefix)? */
export function isBoundaryLine(line: Buffer, boundary: string): boolean {
  if (line.length < 2 + boundary.length || line[0] !== 0x2d || line[1] !== 0x2d) return false;
  return line.toString('latin1', 2, 2 + boundary.length) === boundary;
}
