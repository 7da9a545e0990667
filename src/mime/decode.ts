// Decoding a part's body as Exim's `decode` does: read from just after the
// part's header block up to the line that starts with "--" and the
// enclosing multipart's boundary (or to the end), base64 or
// quoted-printable by Content-Transfer-Encoding, anything else copied as it
// is. Broken input is decoded as far as it goes and flagged: level 1 for
// quoted-printable, 2 for base64 ($mime_anomaly_level/_text).

import { ByteCursor, cString, isBoundaryLine } from './cursor.ts';

/** MIME_MAX_LINE_LENGTH: fgets buffer of the decoders. */
const MAX_LINE = 32768;

export interface Anomaly {
  level: number;
  text: string;
}

export const BROKEN_QP: Anomaly = { level: 1, text: 'Broken Quoted-Printable encoding detected' };
export const BROKEN_BASE64: Anomaly = { level: 2, text: 'Broken BASE64 encoding detected' };

export interface Decoded {
  data: Buffer;
  anomaly?: Anomaly;
}

/** The lines of a part's body, each cut as fgets would cut it, up to the closing boundary. */
function* bodyLines(source: Buffer, start: number, boundary: string | undefined): Generator<Buffer> {
  const cur = new ByteCursor(source, start);
  for (;;) {
    const line = cur.gets(MAX_LINE);
    if (line === undefined) return;
    if (boundary !== undefined && isBoundaryLine(line, boundary)) return;
    yield line;
  }
}

/** Where the part's body ends: the start of its closing boundary line, or the end. */
export function bodyEnd(source: Buffer, start: number, boundary: string | undefined): number {
  let end = start;
  for (const line of bodyLines(source, start, boundary)) end = line.byteOffset - source.byteOffset + line.length;
  return end;
}

const B64_VALUE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Base64 as Exim decodes a part: a line buffer that is reused from line to
 * line, "=" counted as a position without writing, foreign characters
 * skipped. The reuse shows when padding stands in the middle: the byte
 * then completed is whatever the buffer held there, and this keeps that
 * too (the buffer starts zeroed where Exim's is uninitialised).
 */
function decodeBase64(lines: Iterable<Buffer>, out: Buffer): Decoded {
  const obuf = Buffer.alloc(MAX_LINE);
  let n = 0;
  let opos = 0;
  let state = 0;
  let anomaly: Anomaly | undefined;
  for (const raw of lines) {
    for (const c of raw) {
      if (c === 0x0d || c === 0x0a || c === 0) break;
      // padding only moves the position; other foreign characters are skipped and flagged
      if (c === 0x3d) { state++; continue; }
      const v = B64_VALUE[c];
      if (v < 0) { anomaly = BROKEN_BASE64; continue; }
      switch (state++ & 3) {
        case 0: obuf[opos] = v << 2; break;
        case 1: obuf[opos++] |= v >> 4; obuf[opos] = v << 4; break;
        case 2: obuf[opos++] |= v >> 2; obuf[opos] = v << 6; break;
        case 3: obuf[opos++] |= v; break;
      }
    }
    if (opos > 0) {
      n += obuf.copy(out, n, 0, opos);
      // an incomplete byte moves to the front, where the next line continues it
      if (state & 3) obuf[0] = obuf[opos];
      opos = 0;
    }
  }
  // an incomplete last quantum still gives its byte, as in Exim
  if (state & 3) out[n++] = obuf[0];
  return { data: out.subarray(0, n), anomaly };
}

const isHexByte = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);

function decodeQuotedPrintable(lines: Iterable<Buffer>, out: Buffer): Decoded {
  let n = 0;
  let anomaly: Anomaly | undefined;
  for (const raw of lines) {
    const line = cString(raw);
    let i = 0;
    while (i < line.length) {
      const c = line[i];
      if (c !== 0x3d) { out[n++] = c; i++; continue; }
      if (isHexByte(line[i + 1]) && isHexByte(line[i + 2])) {
        out[n++] = (hexValue(line[i + 1]) << 4) | hexValue(line[i + 2]);
        i += 3;
        continue;
      }
      let j = i + 1;
      while (line[j] === 0x09 || line[j] === 0x20 || line[j] === 0x0d) j++;
      // "=" at the end of a line (white space allowed) is a soft line break
      if (line[j] === 0x0a) break;
      anomaly = BROKEN_QP;
      out[n++] = 0x3d;
      i++;
    }
  }
  return { data: out.subarray(0, n), anomaly };
}

function copyAsIs(lines: Iterable<Buffer>, out: Buffer): Decoded {
  let n = 0;
  for (const raw of lines) n += cString(raw).copy(out, n);
  return { data: out.subarray(0, n) };
}

/** Decode the body that starts at `start`, ended by `boundary`'s line (the enclosing multipart's). */
export function decodeBody(source: Buffer, start: number, boundary: string | undefined, encoding: string | undefined): Decoded {
  const lines = [...bodyLines(source, start, boundary)];
  // no encoding writes more than it reads (one spare byte for a last partial base64 byte)
  let size = 1;
  for (const l of lines) size += l.length;
  const out = Buffer.allocUnsafe(size);
  if (encoding === 'base64') return decodeBase64(lines, out);
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(lines, out);
  return copyAsIs(lines, out);
}
