// Exim works on bytes; tern's expansion strings are JavaScript strings.
// The convention (the same as Python's "surrogateescape"): a string holds
// Unicode text, and its bytes are its UTF-8 encoding; a byte that is not part
// of valid UTF-8 is held as the lone surrogate U+DC80..U+DCFF. So any byte
// sequence survives decode→encode unchanged, and valid UTF-8 reads as text.
// Byte-oriented operators (strlen, length, md5, escape, ...) go through
// encodeBytes/decodeBytes; an all-ASCII string (the usual case) skips both.

const ASCII_ONLY = /^[\x00-\x7f]*$/;

export function isAscii(s: string): boolean {
  return ASCII_ONLY.test(s);
}

/** The bytes a string stands for (UTF-8, with escaped raw bytes restored). */
export function encodeBytes(s: string): Buffer {
  if (isAscii(s)) return Buffer.from(s, 'latin1');
  const out = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      out[n++] = c - 0xdc00; // an escaped raw byte
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 0x3f);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      // BMP character (a stray surrogate is encoded as its 3 bytes, as WTF-8 does)
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

/** The string standing for some bytes: valid UTF-8 as text, any other byte escaped. */
export function decodeBytes(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) { ascii = false; break; }
  if (ascii) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { out += String.fromCharCode(c); i++; continue; }
    const need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : -1;
    let cp = -1;
    if (need > 0) {
      cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
      for (let k = 1; k <= need; k++) {
        const d = b[i + k];
        if (d === undefined || (d & 0xc0) !== 0x80) { cp = -1; break; }
        cp = (cp << 6) | (d & 0x3f);
      }
      // reject overlong forms, surrogates and values past U+10FFFF
      if (cp >= 0 && ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))) cp = -1;
    }
    if (cp < 0) { out += String.fromCharCode(0xdc00 + c); i++; continue; }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Number of bytes a string stands for. */
export function byteLength(s: string): number {
  return isAscii(s) ? s.length : encodeBytes(s).length;
}

/** Whether a string holds only valid UTF-8 text (no escaped raw bytes). */
export function isWellFormedText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) return false;
  }
  return true;
}

/**
 * Message data (the spool model, the SMTP reader) is kept as byte strings:
 * one char per byte, as latin1 decoding gives. Expansion variables and log
 * text use the convention above. This turns a byte string into text; a
 * string with a char above U+00FF is not a byte string and is returned as it is.
 */
export function byteStringToText(s: string): string {
  if (isAscii(s) || /[^\x00-\xff]/.test(s)) return s;
  return decodeBytes(Buffer.from(s, 'latin1'));
}

/** Text (an ACL message, an expanded option) as a byte string: characters as UTF-8, escaped bytes as themselves. */
export function textToByteString(text: string): string {
  return isAscii(text) ? text : encodeBytes(text).toString('latin1');
}
