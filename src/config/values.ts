// Typed option values: the spec's "Boolean options", "Integer values",
// "Octal integer values", "Fixed point numbers", "Time intervals", "String
// values" and "User and group names", with Exim's error texts.

import { ValueError } from './errors.ts';
import type { OptionDef, TypedValue } from './option-types.ts';
import { lookupGid, lookupUid } from './users.ts';

const INT_MAX = 2 ** 31 - 1;

/**
 * The text after "=" for string-like options: a value starting with a double
 * quote has its backslash escapes processed and must end with a quote;
 * anything else is taken literally (already trimmed).
 */
export function readStringValue(text: string, optName: string): string {
  if (!text.startsWith('"')) return text;
  let out = '';
  let i = 1;
  for (; i < text.length && text[i] !== '"'; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i];
    if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 't') out += '\t';
    else if (n >= '0' && n <= '7') {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(text[i + 1] ?? '')) digits += text[++i];
      out += String.fromCharCode(parseInt(digits, 8));
    } else if (n === 'x' && /[0-9a-fA-F]/.test(text[i + 1] ?? '')) {
      let digits = '';
      while (digits.length < 2 && /[0-9a-fA-F]/.test(text[i + 1] ?? '')) digits += text[++i];
      out += String.fromCharCode(parseInt(digits, 16));
    } else out += n;
  }
  if (i >= text.length) throw new ValueError(`missing quote at end of string value for ${optName}`);
  if (text.slice(i + 1).trim() !== '') throw new ValueError(`extra characters follow string value for ${optName}`);
  return out;
}

export function parseBool(text: string, optName: string): boolean {
  const t = text.toLowerCase();
  if (t === '' || t === 'true' || t === 'yes') return true;
  if (t === 'false' || t === 'no') return false;
  throw new ValueError(`"${text}" is not a valid value for the "${optName}" option`);
}

const MULT: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** An integer as C's strtol(…, 0) reads it, then an optional K/M/G. */
export function parseInteger(text: string, optName: string, opts: { kilo?: boolean } = {}): number {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) throw new ValueError(`integer expected for ${optName}`);
  const digits = m[2];
  let n = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.startsWith('0') ? parseInt(digits, 8) : Number(digits);
  let rest = text.slice(m[0].length);
  const suffix = rest[0]?.toLowerCase();
  if (suffix !== undefined && MULT[suffix] !== undefined) {
    // In a kilobyte option a bare number is already K, so K is x1 and M is x1024.
    n *= opts.kilo ? MULT[suffix] / 1024 : MULT[suffix];
    rest = rest.slice(1);
  }
  if (rest.trim() !== '') throw new ValueError(`extra characters follow integer value for ${optName}`);
  if (n > INT_MAX) throw new ValueError(`absolute value of integer "${text}" is too large (overflow)`);
  return m[1] === '-' ? -n : n;
}

export function parseOctal(text: string, optName: string): number {
  const m = /^[0-7]+/.exec(text);
  if (!m) throw new ValueError(`integer expected for ${optName}`);
  if (text.slice(m[0].length).trim() !== '') throw new ValueError(`extra characters follow integer value for ${optName}`);
  return parseInt(m[0], 8);
}

/** A fixed-point number in thousandths; digits beyond the third place are dropped, as Exim does. */
export function parseFixed(text: string, optName: string): number {
  const m = /^(\d+)(?:\.(\d*))?\s*$/.exec(text);
  if (!m) throw new ValueError(`fixed-point number expected for ${optName}`);
  const frac = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Number(m[1]) * 1000 + Number(frac);
}

const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A time interval like 1d2h30m, in seconds, or -1 when malformed (Exim's readconf_readtime). */
export function readTime(text: string): number {
  if (text === '') return -1;
  let total = 0;
  const re = /(\d+)([smhdw])/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return -1;
    total += Number(m[1]) * TIME_UNITS[m[2]];
    pos = re.lastIndex;
  }
  return total;
}

export function parseTime(text: string, optName: string): number {
  const t = readTime(text);
  if (t < 0) throw new ValueError(`invalid time value for ${optName}`);
  return t;
}

export function parseTimeList(text: string, optName: string): number[] {
  const out: number[] = [];
  for (const item of text.split(':')) {
    const t = parseTime(item.trim(), optName);
    if (out.length > 0 && t <= out[out.length - 1]) throw new ValueError(`time value out of order for ${optName}`);
    out.push(t);
  }
  return out;
}

/** Items of a list as the spec's "List construction" reads it: `<c` changes the separator, doubling escapes it. */
export function splitList(text: string): string[] {
  let s = text.trimStart();
  let sep = ':';
  if (s.startsWith('<') && s.length > 1 && /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\x00-\x1f\x7f]/.test(s[1])) {
    sep = s[1];
    s = s.slice(2);
  }
  const items: string[] = [];
  let cur = '';
  const printableSep = sep.charCodeAt(0) >= 32 && sep !== '\x7f';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === sep) {
      if (printableSep && s[i + 1] === sep) {
        cur += sep;
        i++;
        continue;
      }
      items.push(cur.trim());
      cur = '';
      continue;
    }
    cur += s[i];
  }
  if (cur.trim() !== '') items.push(cur.trim());
  return items;
}

function resolveIds(text: string, kind: 'user' | 'group'): number[] {
  return splitList(text).map((name) => {
    const id = kind === 'user' ? lookupUid(name) : lookupGid(name);
    if (id === undefined) throw new ValueError(`${kind} ${name} was not found`);
    return id;
  });
}

/**
 * Parse the text of one setting into its typed value. `text` is what follows
 * "=" with surrounding white space removed (before quote processing); for a
 * boolean set by its bare name it is ''.
 */
export function parseOptionValue(def: OptionDef, text: string): TypedValue {
  const name = def.name;
  switch (def.type) {
    case 'bool':
      // An expanded boolean keeps its text when it has anything to expand.
      if (def.expanded && text.includes('$')) return { kind: 'string', value: readStringValue(text, name) };
      return { kind: 'bool', value: parseBool(text, name) };
    case 'int':
    case 'mkint':
      if (def.expanded) return { kind: 'string', value: readStringValue(text, name) };
      return { kind: 'number', value: parseInteger(text, name) };
    case 'kint':
      return { kind: 'number', value: parseInteger(text, name, { kilo: true }) };
    case 'octal':
      return { kind: 'number', value: parseOctal(text, name) };
    case 'fixed':
      return { kind: 'number', value: parseFixed(text, name) };
    case 'time':
      if (def.expanded) return { kind: 'string', value: readStringValue(text, name) };
      return { kind: 'number', value: parseTime(text, name) };
    case 'timelist':
      return { kind: 'times', value: parseTimeList(text, name) };
    case 'uid':
    case 'gid':
    case 'uidlist':
    case 'gidlist': {
      const value = readStringValue(text, name);
      // Expandable settings (user = ${lookup...}) are resolved when used.
      if (value.includes('$')) return { kind: 'ids', value, ids: null };
      const ids = resolveIds(value, def.type.startsWith('u') ? 'user' : 'group');
      if ((def.type === 'uid' || def.type === 'gid') && ids.length !== 1) {
        throw new ValueError(`${def.type === 'uid' ? 'user' : 'group'} ${value} was not found`);
      }
      return { kind: 'ids', value, ids };
    }
    default:
      return { kind: 'string', value: readStringValue(text, name) };
  }
}
