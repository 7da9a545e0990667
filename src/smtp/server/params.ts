// ESMTP parameters on MAIL and RCPT, taken from the end of the argument as
// Exim does: each trailing "NAME=value" or "NAME" word whose name is known
// is removed; the first unknown one stops the scan and stays with the
// address, whose parser then rejects it ("... may not follow <addr>").
// Names are matched caselessly against a fixed set: any other text,
// including "__proto__" or "constructor", is just an unknown name.

export interface EsmtpParam {
  /** Upper-cased name. */
  name: string;
  /** The value after "=", or undefined for a bare keyword. */
  value: string | undefined;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t';
const isAlpha = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/**
 * Take the last parameter word off `text`: returns it and the text before
 * it, or undefined when the text does not end with a parameter-shaped word.
 */
export function extractLastParam(text: string): { param: EsmtpParam; rest: string } | undefined {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1])) end--;
  if (end === 0) return undefined;
  let v = end - 1;
  while (v > 0 && text[v] !== '=' && !isSpace(text[v])) {
    if (text[v] === '"') { do v--; while (v > 0 && text[v] !== '"'); }
    v--;
  }
  if (v <= 0) return undefined;
  if (text[v] === '=') {
    let n = v;
    while (n > 0 && isAlpha(text[n - 1])) n--;
    if (n <= 0 || !isSpace(text[n - 1])) return undefined;
    return { param: { name: text.slice(n, v).toUpperCase(), value: text.slice(v + 1, end) }, rest: text.slice(0, n - 1) };
  }
  // a bare keyword after a space
  const word = text.slice(v + 1, end);
  if (word === '' || ![...word].every((c) => isAlpha(c) || (c >= '0' && c <= '9'))) return undefined;
  return { param: { name: word.toUpperCase(), value: undefined }, rest: text.slice(0, v) };
}

/**
 * Peel known parameters off the end of a MAIL/RCPT argument. Returns the
 * parameters in the order written and the remaining address text.
 */
export function splitParams(text: string, known: ReadonlySet<string>, needValue?: ReadonlySet<string>,
  unusable?: (p: EsmtpParam) => boolean): { address: string; params: EsmtpParam[] } {
  const params: EsmtpParam[] = [];
  let rest = text;
  for (;;) {
    const got = extractLastParam(rest);
    if (!got) break;
    // Exim: a parameter that needs a value but has an empty one ("BODY=") is dropped and ends the scan
    if (got.param.value === '' && needValue?.has(got.param.name)) { rest = got.rest; break; }
    // ... and so is one whose value it cannot use (SIZE=abc)
    if (unusable?.(got.param)) { rest = got.rest; break; }
    if (!known.has(got.param.name)) break;
    params.unshift(got.param);
    rest = got.rest;
  }
  return { address: rest.replace(/[ \t]+$/, ''), params };
}

/** Decode RFC 3461 xtext ("+2B" → "+"); undefined when malformed. */
export function decodeXtext(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '+') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else {
      const code = c.charCodeAt(0);
      if (code < 33 || code > 127 || c === '=') return undefined;
      out += c;
    }
  }
  return out;
}
