// What Exim takes from a MIME part's header lines: the values of
// Content-Type, -Disposition, -Transfer-Encoding, -ID and -Description
// (lower-cased, up to the first ';') and the parameters name=, filename=,
// charset= and boundary= of any of them (a later one wins). In
// Content-Disposition, filename*= parameters (RFC 2231, possibly in several
// numbered pieces) are joined and decoded; when a piece does not decode,
// the name is the pieces as written. Input is a line from readPartHeader.

import { decodeEncodedWords, rfc2231AsWord } from './words.ts';

/** The fields of one part; undefined where Exim's variable would be unset. All byte strings. */
export interface PartFields {
  contentType?: string;
  contentDisposition?: string;
  contentTransferEncoding?: string;
  contentId?: string;
  contentDescription?: string;
  filename?: string;
  charset?: string;
  boundary?: string;
}

const HEADERS: [string, keyof PartFields][] = [
  ['content-type:', 'contentType'],
  ['content-disposition:', 'contentDisposition'],
  ['content-transfer-encoding:', 'contentTransferEncoding'],
  ['content-id:', 'contentId'],
  ['content-description:', 'contentDescription'],
];

const PARAMETERS: [string, keyof PartFields][] = [
  ['name=', 'filename'],
  ['filename=', 'filename'],
  ['charset=', 'charset'],
  ['boundary=', 'boundary'],
];

const startsWithNoCase = (s: string, at: number, prefix: string): boolean =>
  s.slice(at, at + prefix.length).toLowerCase() === prefix;

/** A parameter's value from `at` to the next unquoted ';' (quotes removed); undefined when empty. */
function paramValue(s: string, at: number): { value: string | undefined; next: number } {
  let v = '';
  let i = at;
  while (i < s.length && s[i] !== ';') {
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') v += s[i++];
      if (i < s.length) i++;
    } else v += s[i++];
  }
  return { value: v === '' ? undefined : v, next: i };
}

/** The position of the next unquoted ';' from `at` (or the end). */
function nextSemicolon(s: string, at: number): number {
  let i = at;
  while (i < s.length && s[i] !== ';') {
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i++;
      if (i < s.length) i++;
    } else i++;
  }
  return i;
}

/** The pieces of an RFC 2231 file name as they are met in one Content-Disposition line. */
interface Rfc2231Name {
  asWritten?: string;
  decoded?: string;
  charset?: string;
  failed: boolean;
}

function addRfc2231Piece(name: Rfc2231Name, piece: string, fields: PartFields): void {
  name.asWritten = (name.asWritten ?? '') + piece;
  if (name.failed) return;
  let text = piece;
  if (name.charset === undefined) {
    // the first piece may carry charset'language'; the language stays in the name, as in Exim
    const quote = piece.indexOf("'");
    if (quote >= 0) {
      if (quote > 0) name.charset = piece.slice(0, quote);
      let p = quote + 1;
      while (piece[p] === "'") p++;
      text = piece.slice(p);
    }
  }
  const word = rfc2231AsWord(text, name.charset);
  const decoded = decodeEncodedWords(word, false, 0x20);
  if (decoded.length === word.length) {
    name.failed = true;
    return;
  }
  name.decoded = (name.decoded ?? '') + decoded;
  fields.filename = name.decoded;
}

/** Take what Exim takes from one normalised header line. */
export function applyHeaderLine(line: string, fields: PartFields, lengthCheck: boolean): void {
  for (const [prefix, key] of HEADERS) {
    if (!startsWithNoCase(line, 0, prefix)) continue;
    let semi = line.indexOf(';', prefix.length);
    if (semi < 0) semi = line.length;
    fields[key] = line.slice(prefix.length, semi).toLowerCase();
    const disposition = key === 'contentDisposition';
    const rfc2231: Rfc2231Name = { failed: false };
    let p = semi < line.length ? semi + 1 : semi;
    while (p < line.length) {
      if (disposition && startsWithNoCase(line, p, 'filename*')) {
        let v = p + 9;
        while (v < line.length && line[v] !== '=') v++;
        if (v < line.length) v++;
        const { value, next } = paramValue(line, v);
        if (value !== undefined) addRfc2231Piece(rfc2231, value, fields);
        p = next;
      } else {
        for (const [name, target] of PARAMETERS) {
          if (!startsWithNoCase(line, p, name)) continue;
          const { value, next } = paramValue(line, p + name.length);
          fields[target] = value === undefined ? undefined : decodeEncodedWords(value, lengthCheck, 0x20);
          p = next;
          break;
        }
      }
      p = nextSemicolon(line, p);
      if (p < line.length) p++;
    }
    if (disposition && rfc2231.failed) fields.filename = rfc2231.asWritten;
  }
}
