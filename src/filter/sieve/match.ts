// Sieve comparisons (RFC 5228 section 2.7): the match types :is, :contains
// and :matches under the comparators i;octet, i;ascii-casemap (the default)
// and i;ascii-numeric (RFC 4790; a string not starting with a digit counts
// as larger than any number, and equal to any other such string; as in
// Exim, the digits are compared as written, so "042" is not "42").

export type Comparator = 'i;octet' | 'i;ascii-casemap' | 'i;ascii-numeric';
export type MatchType = ':is' | ':contains' | ':matches';

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The leading digits of a string (leading zeros count, as in Exim); undefined when it does not start with a digit. */
function numericValue(s: string): string | undefined {
  const m = /^[0-9]+/.exec(s);
  return m ? m[0] : undefined;
}

function numericEqual(a: string, b: string): boolean {
  const x = numericValue(a);
  const y = numericValue(b);
  return x === y; // both undefined ("positive infinity") counts as equal
}

/** Sieve wildcard matching: "*" any run, "?" one character, "\" quotes the next character. */
function wildcard(subject: string, pattern: string, fold: (s: string) => string): boolean {
  const s = fold(subject);
  const p = pattern;
  // Iterative matcher with one backtrack point per "*": linear in practice, never exponential.
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = ++pi;
      starS = si;
      continue;
    }
    if (pi < p.length) {
      let pc = p[pi];
      let step = 1;
      if (pc === '\\' && pi + 1 < p.length) {
        pc = p[pi + 1];
        step = 2;
      } else if (pc === '?') {
        si++;
        pi++;
        continue;
      }
      if (fold(pc) === s[si]) {
        si++;
        pi += step;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP;
    si = ++starS;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether `subject` matches `key` under the match type and comparator. */
export function sieveMatch(subject: string, key: string, type: MatchType, comparator: Comparator): boolean {
  // Only :is is offered by i;ascii-numeric (the parser refuses the others).
  if (comparator === 'i;ascii-numeric') return numericEqual(subject, key);
  const fold = comparator === 'i;ascii-casemap' ? lower : (s: string): string => s;
  switch (type) {
    case ':is': return fold(subject) === fold(key);
    case ':contains': return fold(subject).includes(fold(key));
    case ':matches': return wildcard(subject, key, fold);
  }
}
