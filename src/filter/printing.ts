// How filter testing shows a string: Exim's printing form (non-printing
// characters as escapes, so "\n" is shown as \n), except that a tab is
// shown as itself, as Exim 4.98 does in -bf output.

import { stringPrinting } from '../log/printing.ts';

export function filterPrinting(s: string): string {
  return s.includes('\t') ? s.split('\t').map((part) => stringPrinting(part)).join('\t') : stringPrinting(s);
}
