// Exim's list splitting as the expansion items use it (map, filter, reduce,
// sort, listextract, forall/forany, inlist): an optional "<X" separator
// change, items trimmed of surrounding white space, a doubled separator
// standing for one literal separator character.

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The separator of a list and where its items start. */
export function listSeparator(text: string, defaultSep = ':'): { sep: string; start: number } {
  let p = 0;
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  if (text.charCodeAt(p) === 60 /* < */) {
    if (p + 1 >= text.length) return { sep: '', start: text.length };
    const c = text.charCodeAt(p + 1);
    if (!isAlnum(c) && c !== 32) return { sep: text[p + 1], start: p + 2 };
  }
  return { sep: defaultSep, start: 0 };
}

/** Split a list (with optional leading "<X") into its items. */
export function splitList(text: string, defaultSep = ':'): { sep: string; items: string[] } {
  const { sep, start } = listSeparator(text, defaultSep);
  return { sep, items: splitItems(text, sep, start) };
}

export function splitItems(text: string, sep: string, start = 0): string[] {
  const items: string[] = [];
  const len = text.length;
  let p = start;
  for (;;) {
    while (p < len && isSpace(text.charCodeAt(p))) p++;
    if (p >= len) break;
    let item = '';
    let from = p;
    while (p < len) {
      if (text[p] === sep) {
        if (text[p + 1] === sep) {
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
    while (e > 0 && isSpace(item.charCodeAt(e - 1))) e--;
    items.push(e === item.length ? item : item.slice(0, e));
    p++; // past the separator
  }
  return items;
}

/** Quote one item for output in a list with separator sep (double it; empty becomes a space, as Exim). */
export function quoteListItem(item: string, sep: string): string {
  if (sep === '' || !item.includes(sep)) return item;
  return item.split(sep).join(sep + sep);
}

/** Build a list from items: each item's separators doubled. */
export function joinList(items: string[], sep: string): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += sep;
    out += quoteListItem(items[i], sep);
  }
  return out;
}
