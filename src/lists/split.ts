// Exim's list syntax: an optional leading "<c" changes the separator (c a
// punctuation or control character); items are trimmed; a doubled printing
// separator stands for one literal separator; control-character separators
// cannot be doubled; an empty last item is dropped. Split results are cached
// per text because the same configured lists are matched over and over.

const isSpace = (c: string): boolean => c === ' ' || (c >= '\t' && c <= '\r');

function isPunct(c: string): boolean {
  const n = c.charCodeAt(0);
  return (n >= 33 && n <= 47) || (n >= 58 && n <= 64) || (n >= 91 && n <= 96) || (n >= 123 && n <= 126);
}

function isControl(c: string): boolean {
  const n = c.charCodeAt(0);
  return n < 32 || n === 127;
}

/** The separator in force and the index where the items begin. */
export function listSeparator(text: string, defaultSep = ':'): { sep: string; start: number } {
  let p = 0;
  while (p < text.length && isSpace(text[p])) p++;
  if (text[p] === '<' && p + 1 < text.length && (isPunct(text[p + 1]) || isControl(text[p + 1]))) {
    return { sep: text[p + 1], start: p + 2 };
  }
  return { sep: defaultSep, start: 0 };
}

function splitUncached(text: string, defaultSep: string): string[] {
  const { sep, start } = listSeparator(text, defaultSep);
  const control = isControl(sep);
  const items: string[] = [];
  let p = start;
  const len = text.length;
  for (;;) {
    while (p < len && isSpace(text[p]) && text[p] !== sep) p++;
    if (p >= len) break;
    let item = '';
    let from = p;
    while (p < len) {
      if (text[p] === sep) {
        if (!control && text[p + 1] === sep) {
          item += text.slice(from, p + 1);
          p += 2;
          from = p;
          continue;
        }
        break;
      }
      p++;
    }
    item += text.slice(from, p);
    let e = item.length;
    while (e > 0 && isSpace(item[e - 1])) e--;
    items.push(e === item.length ? item : item.slice(0, e));
    p++; // past the separator (or the end)
  }
  return items;
}

const cache = new Map<string, readonly string[]>();
const CACHE_MAX = 5000;

/** Split an (already expanded) list into its items. The result is shared: do not modify it. */
export function splitList(text: string, defaultSep = ':'): readonly string[] {
  const id = defaultSep + text;
  let items = cache.get(id);
  if (!items) {
    items = Object.freeze(splitUncached(text, defaultSep));
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(id, items);
  }
  return items;
}

/** Number of items in a list (${listcount}). */
export function listCount(text: string, defaultSep = ':'): number {
  return splitList(text, defaultSep).length;
}
