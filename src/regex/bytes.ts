// Exim runs PCRE2 without UTF mode: patterns and subjects are byte strings.
// tern holds text as JS strings, so non-ASCII text is matched as its UTF-8
// bytes, one byte per UTF-16 unit (a "byte string", every unit <= 0xFF).
// `.` then matches one byte of "é" as in Exim, and captures that split a
// multi-byte character decode to U+FFFD (Exim would hand over the raw bytes).

const NON_ASCII = /[^\x00-\x7f]/;

export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

export function toByteString(s: string): string {
  return isAscii(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

export function fromByteString(b: string): string {
  return isAscii(b) ? b : Buffer.from(b, 'latin1').toString('utf8');
}
