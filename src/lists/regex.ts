// Regular expressions of list items and wildlsearch keys, compiled once per
// (pattern, caselessness) and kept: lists are matched far more often than
// they change.

import { compileRegex } from '../regex/index.ts';

export interface ListRegex {
  test(s: string): boolean;
  exec(s: string): (string | undefined)[] | null;
}

const compiled = new Map<string, ListRegex>();
const MAX = 5000;

export function listRegex(pattern: string, caseless: boolean): ListRegex {
  const id = (caseless ? 'i' : 'c') + pattern;
  let re = compiled.get(id);
  if (!re) {
    re = compileRegex(pattern, { caseless });
    if (compiled.size >= MAX) compiled.clear();
    compiled.set(id, re);
  }
  return re;
}
