// Printing option values the way `exim -bP` prints them.

import type { OptionDef, TypedValue } from './option-types.ts';
import { groupName, userName } from './users.ts';

/** A time in seconds as Exim prints it: 1w2d3h4m5s, or 0s. */
export function formatTime(seconds: number): string {
  if (seconds === 0) return '0s';
  let s = seconds < 0 ? -seconds : seconds;
  let out = seconds < 0 ? '-' : '';
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out;
}

/** An integer with K/M/G when it divides exactly (Exim's "mkint" printing). */
export function formatSize(n: number): string {
  if (n !== 0) {
    if (n % 1024 ** 3 === 0) return `${n / 1024 ** 3}G`;
    if (n % 1024 ** 2 === 0) return `${n / 1024 ** 2}M`;
    if (n % 1024 === 0) return `${n / 1024}K`;
  }
  return String(n);
}

/** A value held in kilobytes. */
export function formatKilo(k: number): string {
  if (k !== 0 && k % (1024 * 1024) === 0) return `${k / (1024 * 1024)}G`;
  if (k !== 0 && k % 1024 === 0) return `${k / 1024}M`;
  return `${k}K`;
}

export function formatFixed(thousandths: number): string {
  const whole = Math.trunc(thousandths / 1000);
  const frac = String(thousandths % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${whole}.${frac === '' ? '0' : frac}`;
}

/** Control characters shown as escapes, as Exim's string_printing() does. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return '\\' + c.charCodeAt(0).toString(8).padStart(3, '0');
    }
  });
}

/** One -bP line for an option. */
export function formatOption(def: OptionDef, v: TypedValue, hide = false): string {
  const name = def.name;
  if (hide) return `${name} = <value not displayable>`;
  if (v.kind === 'bool') return v.value ? name : `no_${name}`;
  if (v.kind === 'unset') {
    if (def.type === 'bool') return `no_${name}`;
    if (def.type === 'fixed' || def.type === 'uidlist' || def.type === 'gidlist') return `${name} =`;
    return `${name} = `;
  }
  if (v.kind === 'times') return `${name} = ${v.value.map(formatTime).join(':')}`;
  if (v.kind === 'number') {
    switch (def.type) {
      case 'mkint': return `${name} = ${formatSize(v.value)}`;
      case 'kint': return `${name} = ${formatKilo(v.value)}`;
      case 'octal': return `${name} = 0${v.value.toString(8)}`;
      case 'fixed': return `${name} = ${formatFixed(v.value)}`;
      case 'time': return `${name} = ${formatTime(v.value)}`;
      default: return `${name} = ${v.value}`;
    }
  }
  if (v.kind === 'ids') {
    if (v.ids === null) return `${name} = ${printable(v.value)}`;
    const isUser = def.type === 'uid' || def.type === 'uidlist';
    const names = v.ids.map((id) => (isUser ? userName(id) : groupName(id)) ?? String(id));
    return def.type.endsWith('list') ? `${name} = ${names.join(':')}` : `${name} = ${names[0]}`;
  }
  return `${name} = ${printable(v.value)}`;
}
