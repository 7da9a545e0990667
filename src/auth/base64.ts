// AUTH data encoding. Exim's decoder skips white space and wants whole
// groups of four with correct padding; decoded data is bytes, which become
// expansion strings by the byte convention of src/expand/operators/bytes.ts.

import { decodeBytes, encodeBytes } from '../expand/operators/bytes.ts';

const WELL_FORMED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHITE = /[ \t\n\v\f\r]+/g;

/** Decode client data; null when it is not valid base64. */
export function decodeAuthBase64(text: string): Buffer | null {
  const compact = text.replace(WHITE, '');
  if (!WELL_FORMED.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** Base64 of a prompt or challenge (a string's bytes by the byte convention). */
export function encodeAuthBase64(text: string): string {
  return encodeBytes(text).toString('base64');
}

/** The NUL-separated strings of decoded data ("\0user\0pw" gives "", "user", "pw"). */
export function splitAtNuls(data: Buffer): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const nul = data.indexOf(0, from);
    if (nul < 0) {
      out.push(decodeBytes(data.subarray(from)));
      return out;
    }
    out.push(decodeBytes(data.subarray(from, nul)));
    from = nul + 1;
  }
}
