// A locally submitted message as read from standard input (spec, "Line
// endings" and "The UUCP From line"): line ends become "\n", a line holding
// only "." ends the message unless -i/-oi, and an initial "From " line is
// taken off (its address may become the sender).
//
// Line ends: CR LF and a bare CR end a line; a bare CR inside the header
// section continues the header line (a space is added), so that it cannot
// start a new header. When the first line ends in CR LF, a later bare LF is
// not a line end: in the header it is treated like a bare CR, in the body it
// becomes a space. Otherwise LF ends a line.

import { headerNameEnd } from '../mail/headers.ts';
import type { CompiledRegex } from '../regex/index.ts';

export interface LocalInputOptions {
  /** A line holding only "." ends the message (false after -i / -oi). */
  dotIsEnd: boolean;
  /** uucp_from_pattern, compiled; undefined: no "From " line recognition. */
  fromPattern?: CompiledRegex;
}

export interface LocalInput {
  /** The message: header and body, "\n" line ends. */
  raw: Buffer;
  /** The address ($1) of a recognized "From " line. */
  fromLineSender?: string;
  /** The captures of the "From " line match ($1, $2, ...) for uucp_from_sender. */
  fromLineCaptures?: (string | undefined)[];
  /** Longest input line, "From " line included; a bare CR inside a header does not end it. */
  maxLineLength: number;
}

const LF = 0x0a;
const CR = 0x0d;

export function readLocalMessage(input: Buffer, opts: LocalInputOptions): LocalInput {
  let start = 0;
  let result: LocalInput = { raw: Buffer.alloc(0), maxLineLength: 0 };
  let maxLine = 0;
  // An initial "From " line (only the first line, and only once).
  if (opts.fromPattern && input.subarray(0, 5).toString('latin1') === 'From ') {
    let eol = input.indexOf(LF);
    if (eol < 0) eol = input.length;
    let line = input.toString('latin1', 0, eol);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const m = opts.fromPattern.exec(line);
    if (m) {
      result = { raw: result.raw, fromLineSender: m[1], fromLineCaptures: m, maxLineLength: 0 };
      maxLine = line.length;
      start = Math.min(eol + 1, input.length);
    }
  }

  const out = Buffer.allocUnsafe(input.length - start + 2 + countCr(input, start));
  let n = 0;
  let lineStart = 0; // in out
  let inHeader = true;
  let firstLine = true;
  let crlfMode = false;
  // A line ended: decide whether it was the end of message or of the header section.
  let physicalStart = 0;
  const endLine = (): boolean => {
    const len = n - lineStart;
    if (n - physicalStart > maxLine) maxLine = n - physicalStart;
    if (opts.dotIsEnd && len === 1 && out[lineStart] === 0x2e) {
      n = lineStart;
      return true;
    }
    if (inHeader) {
      const first = out[lineStart];
      if (len === 0) inHeader = false;
      else if (first !== 0x20 && first !== 0x09 && headerNameEnd(out.toString('latin1', lineStart, n)) === undefined) inHeader = false;
    }
    out[n++] = LF;
    lineStart = n;
    physicalStart = n;
    return false;
  };
  let i = start;
  let ended = false;
  while (i < input.length) {
    const c = input[i];
    if (c === CR) {
      if (input[i + 1] === LF) {
        if (firstLine) crlfMode = true;
        firstLine = false;
        i += 2;
        if (endLine()) { ended = true; break; }
        continue;
      }
      // Bare CR: a line end; within the header a continuation follows.
      i++;
      firstLine = false;
      if (inHeader && n > lineStart) {
        out[n++] = LF;
        out[n++] = 0x20;
        lineStart = n - 1; // the continuation belongs to the same header
        continue;
      }
      // "CR . CR" never ends the message.
      if (n - lineStart === 1 && out[lineStart] === 0x2e) { out[n++] = LF; lineStart = n; continue; }
      if (endLine()) { ended = true; break; }
      continue;
    }
    if (c === LF) {
      i++;
      if (crlfMode && !firstLine) {
        if (inHeader && n > lineStart) {
          out[n++] = LF;
          out[n++] = 0x20;
          lineStart = n - 1; // the continuation belongs to the same header
        } else if (inHeader) {
          if (endLine()) { ended = true; break; }
        } else {
          out[n++] = 0x20;
        }
        continue;
      }
      firstLine = false;
      if (endLine()) { ended = true; break; }
      continue;
    }
    out[n++] = c;
    i++;
  }
  if (!ended && n > lineStart) {
    // A final line without a line end: "." alone still ends the message.
    if (!(opts.dotIsEnd && n - lineStart === 1 && out[lineStart] === 0x2e)) out[n++] = LF;
    else n = lineStart;
  }
  if (n - physicalStart - 1 > maxLine) maxLine = n - physicalStart - 1;
  result.raw = Buffer.from(out.subarray(0, n));
  result.maxLineLength = maxLine;
  return result;
}

function countCr(b: Buffer, from: number): number {
  let k = 0;
  for (let i = from; i < b.length; i++) if (b[i] === CR || b[i] === LF) k++;
  return k;
}
