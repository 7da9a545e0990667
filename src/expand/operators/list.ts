// Exim list splitting as ${listcount} needs it: ":" by default, "<X" at the
// start to choose another separator, a doubled separator stands for itself,
// items are trimmed of white space.

const SPACE = (c: string): boolean => c === ' ' || (c >= '\t' && c <= '\r');

function isPunctOrCntrl(c: string | undefined): boolean {
  if (c === undefined) return true; // the string's end is a control character (NUL) in C
  const n = c.charCodeAt(0);
  return n < 0x20 || n === 0x7f || (n > 0x20 && n < 0x7f && !/[A-Za-z0-9]/.test(c));
}

/** Split an Exim list into its items. */
export function splitList(list: string): string[] {
  let s = 0;
  let sep = ':';
  if (list[0] === '<' && isPunctOrCntrl(list[1])) {
    sep = list[1] ?? '';
    s = list.length >= 2 ? 2 : 1;
  }
  if (sep === '') return [];
  const sepSpecial = sep.charCodeAt(0) < 0x20 || sep.charCodeAt(0) === 0x7f;
  const items: string[] = [];
  for (;;) {
    while (s < list.length && SPACE(list[s]) && list[s] !== sep) s++;
    if (s >= list.length) break;
    let item = '';
    for (; s < list.length; s++) {
      if (list[s] === sep) {
        s++;
        if (list[s] !== sep || sepSpecial) break;
      }
      item += list[s];
    }
    let end = item.length;
    while (end > 0 && SPACE(item[end - 1])) end--;
    items.push(item.slice(0, end));
  }
  return items;
}

export function listCount(list: string): string {
  return String(splitList(list).length);
}
