// RFC 2047 encoded words: Exim's encoder (Q encoding, its line-length rule)
// and decoder (to headers_charset, UTF-8 by default).

import { TextDecoder } from 'node:util';
import { ExpandError } from '../errors.ts';
import { decodeBytes, encodeBytes, isAscii } from './bytes.ts';

export const DEFAULT_HEADERS_CHARSET = 'UTF-8';

function needsEncoding(c: number): boolean {
  if (c < 33 || c > 126) return true;
  switch (c) {
    case 0x3f: case 0x3d: case 0x28: case 0x29: case 0x3c: case 0x3e: case 0x40: case 0x2c: case 0x3b:
    case 0x3a: case 0x5c: case 0x22: case 0x2e: case 0x5b: case 0x5d: case 0x5f:
      return true;
    default:
      return false;
  }
}

const HEX_UPPER = '0123456789ABCDEF';

/**
 * ${rfc2047:..}: the string unchanged when no byte needs encoding (spaces
 * alone do not), otherwise Q-encoded words separated by a space; a word is
 * closed once its text passes 67 characters, never inside a pair of encoded bytes.
 */
export function rfc2047Encode(subject: string, charset = DEFAULT_HEADERS_CHARSET, fold = false): string {
  const bytes = isAscii(subject) ? Buffer.from(subject, 'latin1') : encodeBytes(subject);
  const header = `=?${charset}?Q?`;
  let out = header;
  let lineOff = header.length;
  let coded = false;
  let firstByte = false;
  for (const c of bytes) {
    if (c === 0) break;
    if (out.length - lineOff > 67 && !firstByte) {
      out += fold ? '?=\n ' : '?= ';
      lineOff = out.length;
      out += header;
    }
    if (needsEncoding(c)) {
      if (c === 0x20) {
        out += '_';
        firstByte = false;
      } else {
        out += '=' + HEX_UPPER[c >> 4] + HEX_UPPER[c & 15];
        coded = true;
        firstByte = !firstByte;
      }
    } else {
      out += String.fromCharCode(c);
      firstByte = false;
    }
  }
  return coded ? out + '?=' : subject;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;
const HEX2 = /^[0-9A-Fa-f]{2}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ONLY_WHITE = /^[ \t\r\n]*$/;

function decodeQ(text: string): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '_') out.push(0x20);
    else if (ch === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX2.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of encodeBytes(ch)) out.push(b);
    }
  }
  return out;
}

function decodeCharset(bytes: Uint8Array, charset: string): string {
  const cs = charset;
  const lower = cs.toLowerCase();
  if (lower === 'utf-8' || lower === 'utf8' || lower === 'us-ascii') return decodeBytes(bytes);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(lower);
  } catch {
    throw new ExpandError(`iconv_open("UTF-8", "${cs}") failed: Invalid argument (maybe unsupported conversion)`);
  }
  return decoder.decode(bytes);
}

/** ${rfc2047d:..}: decode encoded words; white space between adjacent words goes; NUL becomes "?". */
export function rfc2047Decode(subject: string, checkLength = true): string {
  if (subject.indexOf('=?') < 0) return subject;
  let out = '';
  let last = 0;
  let previousWasWord = false;
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(subject); m; m = ENCODED_WORD.exec(subject)) {
    if (checkLength && m[0].length > 75) continue;
    let bytes: number[] | undefined;
    if (m[2] === 'Q' || m[2] === 'q') bytes = decodeQ(m[3]);
    else if (BASE64.test(m[3])) bytes = [...Buffer.from(m[3], 'base64')];
    if (!bytes) continue; // malformed: left as it is
    const between = subject.slice(last, m.index);
    if (!(previousWasWord && ONLY_WHITE.test(between))) out += between;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) bytes[i] = 0x3f;
    out += decodeCharset(Uint8Array.from(bytes), m[1]);
    last = m.index + m[0].length;
    previousWasWord = true;
  }
  return out + subject.slice(last);
}
