// One header line of a MIME part, read and normalised as Exim's scanner
// does before it looks at it: continuation lines joined, CRs and other
// control characters dropped, white space and (comments) removed outside
// parameter values, and a ';' put at the end. A value starts after '=' and
// runs to the next ';' (a quote does not protect the ';' here: Exim flips
// its quoted state back on the next character, so "a;b c" loses the space
// after the ';'). Exim's own result is the arbiter of these rules.

import type { ByteCursor } from './cursor.ts';

/** MIME_MAX_HEADER_SIZE: a longer header line is cut. */
export const MAX_HEADER_SIZE = 8192;

const SEMI = 0x3b;
const SPACE = 0x20;
const TAB = 0x09;

/** Where the reader is in a header line. */
type Mode = 'name' | 'value-start' | 'value';

/**
 * Read one header line. `more` is false at the blank line that ends the
 * header block and at the end of the data; a line cut short by the end of
 * the data does not count (Exim drops it too).
 */
export function readPartHeader(cur: ByteCursor): { text: string; more: boolean } {
  const out: number[] = [];
  let mode: Mode = 'name';
  let comments = 0;
  let c = -1;
  let done = false;
  while (!done) {
    c = cur.getc();
    if (c < 0) break;
    if (c === 0x0d) continue;
    if (c === 0x0a) {
      if (out.length > 0) {
        c = cur.getc();
        if (c < 0) break;
        if (c === TAB || c === SPACE) continue;
        cur.ungetc();
      }
      c = SEMI;
      done = true;
    }
    if (c < 32) continue;
    if (mode !== 'name') {
      if ((c === TAB || c === SPACE) && mode === 'value-start') continue;
      mode = 'value';
      if (c === SEMI) mode = 'name';
    } else {
      if (c === SPACE || c === TAB) continue;
      if (c === 0x5c) {
        // a backslash quotes the next character (so that brackets can be escaped)
        c = cur.getc();
        if (c < 0) break;
      } else if (c === 0x28) {
        comments++;
        continue;
      } else if (c === 0x29 && comments > 0) {
        comments--;
        continue;
      } else if (c === 0x3d && comments === 0) {
        mode = 'value-start';
      }
      if (comments > 0) continue;
    }
    out.push(c);
    if (out.length > MAX_HEADER_SIZE - 1) done = true;
  }
  if (out.length > 0 && out[out.length - 1] !== SEMI) out[out.length - 1] = SEMI;
  return { text: Buffer.from(out).toString('latin1'), more: !(c < 0 || out.length === 1) };
}
