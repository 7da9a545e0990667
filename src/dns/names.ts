// Which names are worth asking about. Exim checks a name against
// dns_check_names_pattern before any lookup except PTR and TXT, and a name
// that fails is "not found" without a query. The default pattern accepts
// labels of letters, digits, '_', '-' and '/' that begin and end with a
// letter, digit or underscore, with an optional final dot.

import type { RRType } from './types.ts';

export type NameCheck = (name: string) => boolean;

const DEFAULT_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9/_-]*[A-Za-z0-9_])?$/;

export function defaultNameCheck(name: string): boolean {
  const labels = name.replace(/\.$/, '').split('.');
  return labels.every((l) => DEFAULT_LABEL.test(l));
}

let check: NameCheck | null = defaultNameCheck;

/** Replace the check (from dns_check_names_pattern); null disables it (an empty pattern). */
export function setNameCheck(fn: NameCheck | null): void {
  check = fn;
}

export function passesNameCheck(name: string, type: RRType): boolean {
  if (type === 'PTR' || type === 'TXT' || !check) return true;
  return check(name);
}

/** What fits in a query: labels of 1..63 bytes, 253 bytes in all (the root is ""). */
export function encodableName(name: string): boolean {
  if (name === '') return true;
  if (Buffer.byteLength(name) > 253) return false;
  return name.split('.').every((label) => {
    const n = Buffer.byteLength(label);
    return n >= 1 && n <= 63;
  });
}
