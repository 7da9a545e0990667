// Encoded words (RFC 2047) as Exim's scanner decodes them for MIME
// parameters: no charset conversion (the bytes stay as the sender's
// charset had them), white space between two encoded words dropped, a word
// that does not decode left as it stands. RFC 2231 values (filename*=) are
// first rewritten into one Q-encoded word and go through the same decoder,
// which is why a literal space or "=" in them makes the decoding fail.

const WS = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
const isSpace = (s: string, i: number): boolean => i < s.length && WS.has(s.charCodeAt(i));
const isHex = (ch: string | undefined): boolean => ch !== undefined && /^[0-9a-fA-F]$/.test(ch);

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function b64Value(s: string, i: number): number {
  return i < s.length ? B64.indexOf(s[i]) : -1;
}

/** Strict base64 of an encoded word: white space ignored, anything else wrong fails. */
export function decodeWordBase64(s: string): string | undefined {
  let out = '';
  let i = 0;
  const skip = (): void => { while (isSpace(s, i)) i++; };
  for (;;) {
    skip();
    if (i >= s.length) break;
    const a = b64Value(s, i++);
    if (a < 0) return undefined;
    skip();
    const b = b64Value(s, i++);
    if (b < 0) return undefined;
    out += String.fromCharCode(((a << 2) | (b >> 4)) & 0xff);
    skip();
    if (s[i] === '=') {
      i++;
      skip();
      if (s[i++] !== '=') return undefined;
      skip();
      if (i < s.length) return undefined;
      break;
    }
    const c = b64Value(s, i++);
    if (c < 0) return undefined;
    out += String.fromCharCode(((b << 4) | (c >> 2)) & 0xff);
    skip();
    if (s[i] === '=') {
      i++;
      skip();
      if (i < s.length) return undefined;
      break;
    }
    const d = b64Value(s, i++);
    if (d < 0) return undefined;
    out += String.fromCharCode(((c << 6) | d) & 0xff);
  }
  return out;
}

/** The Q encoding: "_" is a space, "=XX" a byte; white space is not allowed. */
export function decodeWordQ(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '_') out += ' ';
    else if (ch === '=') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) return undefined;
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === ' ' || ch === '\t') return undefined;
    else out += ch;
  }
  return out;
}

interface FoundWord {
  start: number;
  /** Index of the closing "?=". */
  end: number;
  bytes: string;
}

/** The next encoded word from `from` that decodes; with lengthCheck, words over 75 characters are not words. */
function nextWord(s: string, from: number, lengthCheck: boolean): FoundWord | undefined {
  for (;;) {
    const start = s.indexOf('=?', from);
    if (start < 0) return undefined;
    const q1 = s.indexOf('?', start + 2);
    const q2 = q1 < 0 ? -1 : s.indexOf('?', q1 + 1);
    const end = q2 < 0 ? -1 : s.indexOf('?=', q2 + 1);
    if (end < 0) return undefined;
    from = start + 2;
    if ((lengthCheck && end - start > 73) || q2 - q1 !== 2) continue;
    const enc = s[q1 + 1].toUpperCase();
    const data = s.slice(q2 + 1, end);
    const bytes = enc === 'B' ? decodeWordBase64(data) : enc === 'Q' ? decodeWordQ(data) : undefined;
    if (bytes !== undefined) return { start, end, bytes };
  }
}

/**
 * Decode the encoded words of a byte string. NUL bytes in the decoded data
 * become `zero` (a character code). Text without encoded words comes back
 * as it was.
 */
export function decodeEncodedWords(s: string, lengthCheck: boolean, zero: number): string {
  let word = nextWord(s, 0, lengthCheck);
  if (!word) return s;
  let out = '';
  let pos = 0;
  const zeroChar = String.fromCharCode(zero);
  while (word) {
    out += s.slice(pos, word.start);
    out += zero === 0 ? word.bytes : word.bytes.replaceAll('\0', zeroChar);
    pos = word.end + 2;
    word = nextWord(s, pos, lengthCheck);
    if (word) {
      let p = pos;
      while (isSpace(s, p)) p++;
      if (p === word.start) pos = p;
    }
  }
  return out + s.slice(pos);
}

/** An RFC 2231 value as one Q-encoded word ("%XX" becomes "=XX"), and that word's length. */
export function rfc2231AsWord(value: string, charset: string | undefined): string {
  let word = `=?${charset ?? ''}?Q?`;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%' && isHex(value[i + 1]) && isHex(value[i + 2])) {
      word += '=' + value.slice(i + 1, i + 3);
      i += 2;
    } else word += value[i];
  }
  return word + '?=';
}
