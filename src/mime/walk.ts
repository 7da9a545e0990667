// Walking the parts of a message in Exim's order: the message itself is
// part 0; a multipart with a boundary is followed by its parts, depth
// first; a message/rfc822 part is handed to the caller (Exim decodes it to
// a file and scans it as a message of its own afterwards). As in Exim,
// each level looks only for its own boundary (an outer boundary does not
// end an inner multipart) and a part runs to the next line that starts
// with "--" and its multipart's boundary.
//
// Cover letter: the outermost part is one; inside a cover-letter
// multipart/alternative or /related every part is; inside any other
// cover-letter multipart only the first part is; inside an attachment
// everything is an attachment.

import { ByteCursor, isBoundaryLine } from './cursor.ts';
import { applyHeaderLine, type PartFields } from './fields.ts';
import { MAX_HEADER_SIZE, readPartHeader } from './header.ts';

export interface MimePart extends PartFields {
  /** $mime_part_count: 0 for the message (or attached message) itself. */
  index: number;
  isMultipart: boolean;
  isCoverletter: boolean;
  /** The whole text being walked, where this part's body starts, and the boundary that ends it. */
  source: Buffer;
  bodyStart: number;
  endBoundary?: string;
}

type Context = { boundary: string; kind: 'attachment' | 'first-is-cover' | 'all-cover' };

export interface WalkHooks {
  /** Run the checks of one part; anything but 'accept' ends the walk with that answer. */
  visit(part: MimePart): Promise<string>;
  /** A message/rfc822 part (after its visit): keep it for a scan of its own; false when that failed. */
  attached(part: MimePart): Promise<boolean>;
}

export interface WalkOptions {
  /** check_rfc2047_length: encoded words longer than 75 characters are not decoded. */
  rfc2047LengthCheck: boolean;
}

/** The walk's answer, and the last part number used. */
export interface WalkResult {
  verdict: string;
  partCount: number;
}

export async function walkParts(source: Buffer, hooks: WalkHooks, opts: WalkOptions): Promise<WalkResult> {
  const state = { count: -1 };
  const verdict = await walkLevel(new ByteCursor(source), undefined, state, hooks, opts);
  return { verdict, partCount: state.count };
}

async function walkLevel(cur: ByteCursor, ctx: Context | undefined, state: { count: number }, hooks: WalkHooks, opts: WalkOptions): Promise<string> {
  let verdict = 'accept';
  for (;;) {
    if (ctx && !skipToBoundary(cur, ctx.boundary)) return verdict;
    const fields: PartFields = {};
    for (;;) {
      const h = readPartHeader(cur);
      if (!h.more) break;
      applyHeaderLine(h.text, fields, opts.rfc2047LengthCheck);
    }
    const type = fields.contentType;
    const part: MimePart = {
      ...fields,
      index: ++state.count,
      isMultipart: type !== undefined && type.startsWith('multipart'),
      isCoverletter: !(ctx && ctx.kind === 'attachment'),
      source: cur.buf,
      bodyStart: cur.pos,
      endBoundary: ctx?.boundary,
    };
    verdict = await hooks.visit(part);
    if (verdict !== 'accept') return verdict;
    if (part.isMultipart && fields.boundary !== undefined) {
      const kind = ctx?.kind === 'attachment' ? 'attachment'
        : type === 'multipart/alternative' || type === 'multipart/related' ? 'all-cover' : 'first-is-cover';
      verdict = await walkLevel(cur, { boundary: fields.boundary, kind }, state, hooks, opts);
      if (verdict !== 'accept') return verdict;
    } else if (type !== undefined && type.startsWith('message/rfc822')) {
      if (!(await hooks.attached(part))) return 'defer';
    }
    if (!ctx) return verdict;
    if (ctx.kind === 'first-is-cover') ctx.kind = 'attachment';
  }
}

/** Move past the next line that opens a part of this multipart; false at its end line or the end of the data. */
function skipToBoundary(cur: ByteCursor, boundary: string): boolean {
  for (;;) {
    const line = cur.gets(MAX_HEADER_SIZE);
    if (line === undefined) return false;
    if (!isBoundaryLine(line, boundary)) continue;
    const after = 2 + boundary.length;
    return !(line[after] === 0x2d && line[after + 1] === 0x2d);
  }
}
