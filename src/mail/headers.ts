// Header lines of a message as Exim sees them: what starts a header line,
// the name of a header, the -H type flag Exim gives it, and the split of
// received bytes into header lines and body.
//
// Header text is a byte string (one char per byte, "latin1"), as in the
// message model, so that 8-bit headers reach the spool unchanged.

import type { HeaderFlag, HeaderLine } from './message.ts';

/**
 * Length of the header name at the start of `line` and where its colon is,
 * or undefined when the line does not start a header. As Exim: the name is
 * any run of bytes above space other than ':' (it may be empty), optionally
 * followed by spaces or tabs, then ':'.
 */
export function headerNameEnd(line: string): { nameEnd: number; colon: number } | undefined {
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 0x3a || c <= 0x20) break;
    i++;
  }
  const nameEnd = i;
  while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  if (line[i] !== ':') return undefined;
  return { nameEnd, colon: i };
}

/** The name of a header line ("Subject" of "Subject : x\n"), or undefined for a non-header line. */
export function headerName(line: string): string | undefined {
  const e = headerNameEnd(line);
  return e ? line.slice(0, e.nameEnd) : undefined;
}

/** The text after the colon, continuation lines included, final newline kept. */
export function headerValue(line: string): string {
  const e = headerNameEnd(line);
  return e ? line.slice(e.colon + 1) : '';
}

/** Whether a header line has the given name (case-insensitive). */
export function isHeader(line: string, name: string): boolean {
  const e = headerNameEnd(line);
  return e !== undefined && e.nameEnd === name.length && line.slice(0, e.nameEnd).toLowerCase() === name.toLowerCase();
}

// Maps, not object literals: header names come from the message ("__proto__", "constructor").
const FLAGS = new Map<string, HeaderFlag>([
  ['bcc', 'B'], ['cc', 'C'], ['from', 'F'], ['message-id', 'I'], ['received', 'P'], ['reply-to', 'R'], ['sender', 'S'], ['to', 'T'],
  // The Resent- forms that carry a flag (Resent-Reply-To and Resent-Received do not).
  ['resent-bcc', 'B'], ['resent-cc', 'C'], ['resent-from', 'F'], ['resent-message-id', 'I'], ['resent-sender', 'S'], ['resent-to', 'T'],
]);

/**
 * The -H type flag of a header. Message-ID is 'I' only when the message has
 * no Resent- headers; then Resent-Message-ID carries it instead (Exim logs
 * the id of the latest resending).
 */
export function headerFlag(name: string, hasResent: boolean): HeaderFlag {
  const lname = name.toLowerCase();
  if (lname === 'message-id') return hasResent ? ' ' : 'I';
  return FLAGS.get(lname) ?? ' ';
}

export function isResentHeader(line: string): boolean {
  return /^resent-/i.test(line) && headerNameEnd(line) !== undefined;
}

/** Give each header its flag (after parsing, or after headers were added). */
export function flagHeaders(texts: string[]): HeaderLine[] {
  const hasResent = texts.some(isResentHeader);
  return texts.map((text) => ({ text, flag: headerFlag(headerName(text) ?? '', hasResent) }));
}

export interface HeaderSplit {
  /** Header lines, each with its continuation lines and final "\n". */
  headers: string[];
  /** Offset in the input where the body starts. */
  bodyOffset: number;
  /** The header section ended at a blank line (false: at a non-header line or at the end). */
  blankLine: boolean;
}

export class HeaderLimitError extends Error {
  override name = 'HeaderLimitError';
  readonly limit: number;
  readonly which: 'section' | 'line';
  constructor(which: 'section' | 'line', limit: number) {
    super(which === 'section'
      ? `message header longer than ${limit} characters received`
      : `header line longer than ${limit} characters received`);
    this.which = which;
    this.limit = limit;
  }
}

export interface SplitLimits {
  /** header_maxsize: the whole header section (0: no limit). */
  maxSize?: number;
  /** header_line_maxsize: one header line with its continuations (0: no limit). */
  maxLineSize?: number;
}

/**
 * Split a message (Unix line ends) into header lines and body. The header
 * section ends at an empty line (which belongs to neither part) or at the
 * first line that is neither a header nor a continuation: that line starts
 * the body. A NUL in a header becomes '?', as Exim stores it.
 */
export function splitHeaders(raw: Buffer, limits: SplitLimits = {}): HeaderSplit {
  const headers: string[] = [];
  let pos = 0;
  let size = 0;
  const maxSize = limits.maxSize ?? 0;
  const maxLine = limits.maxLineSize ?? 0;
  while (pos < raw.length) {
    let eol = raw.indexOf(0x0a, pos);
    const end = eol < 0 ? raw.length : eol + 1;
    if (eol < 0) eol = raw.length;
    if (eol === pos) return { headers, bodyOffset: end, blankLine: true };
    const first = raw[pos];
    const continuation = first === 0x20 || first === 0x09;
    let text = raw.toString('latin1', pos, end);
    if (!text.endsWith('\n')) text += '\n';
    if (text.includes('\0')) text = text.replace(/\0/g, '?');
    if (continuation) {
      if (headers.length === 0) return { headers, bodyOffset: pos, blankLine: false };
      headers[headers.length - 1] += text;
    } else {
      if (headerNameEnd(text) === undefined) return { headers, bodyOffset: pos, blankLine: false };
      headers.push(text);
    }
    size += text.length;
    if (maxSize > 0 && size > maxSize) throw new HeaderLimitError('section', maxSize);
    if (maxLine > 0 && headers[headers.length - 1].length > maxLine) throw new HeaderLimitError('line', maxLine);
    pos = end;
  }
  return { headers, bodyOffset: raw.length, blankLine: false };
}
