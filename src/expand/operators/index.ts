// Expansion operators: ${name:subject} and ${name_suffix:subject}.
// OPERATORS maps each operator name to a pure function. Names that contain an
// underscore (from_utf8, quote_local_part, time_eval, utf8_domain_to_alabel...)
// are keys as they are; for any other "name_suffix" the key is the part before
// the first underscore and `arg` is the rest (hash_3_62 -> "hash", "3_62").
// resolveOperator() applies that rule the way Exim does. Not here: eval,
// eval10, expand, listnamed and quote_<lookup> (the expander does those).
// Strings hold bytes as described in bytes.ts.

import type { ExpandContext } from '../context.ts';
import { ExpandError } from '../errors.ts';
import { addressOperator, domainOperator, extractAddressList, localPartOperator } from './address.ts';
import { base32Decode, base32Encode, base62Decode, base62Encode, base64Decode, base64Encode, hexToBase64 } from './base.ts';
import { md5Hex, sha1Hex, sha2Hex, sha3Hex } from './digest.ts';
import { numericOperator } from './hash.ts';
import { domainFromALabel, domainToALabel, localPartFromALabel, localPartToALabel } from './idna.ts';
import { ipv6Denorm, ipv6Norm, maskOperator, reverseIp } from './ip.ts';
import { listCount } from './list.ts';
import { headerWrap, randInt } from './misc.ts';
import { rfc2047Decode, rfc2047Encode } from './rfc2047.ts';
import { statOperator } from './stat.ts';
import {
  byteCount, escape8bit, escapeNonPrinting, fromUtf8, hexQuote, lowerCase, quoteLocalPart, quoteString,
  regexQuote, upperCase, utf8Clean, xtextDecode,
} from './text.ts';
import { timeEval, timeInterval } from './time.ts';

export type OperatorFn = (subject: string, ctx: ExpandContext, arg?: string) => string;

/** ${addresses:..}: working addresses joined by ":" (or the separator given as ">X" first), separators inside doubled. */
function addressesOperator(subject: string): string {
  let sep = ':';
  let text = subject;
  if (text[0] === '>') {
    if (text.length < 2) throw new ExpandError(`output separator missing in expanding \${addresses:${subject}}`);
    sep = text[1];
    text = text.slice(2);
  }
  let out = '';
  let first = true;
  for (const address of extractAddressList(text)) {
    if (!first) out += sep;
    first = false;
    out += address.split(sep).join(sep + sep);
  }
  return out;
}

/** The leading decimal number of a headerwrap suffix part (0 if none). */
function leadingNumber(text: string | undefined): number {
  const m = text === undefined ? null : /^\d+/.exec(text);
  return m ? Number(m[0]) : 0;
}

function headerWrapOperator(subject: string, _ctx: ExpandContext, arg?: string): string {
  if (arg === undefined) return headerWrap(subject);
  const under = arg.indexOf('_');
  const cols = leadingNumber(under >= 0 ? arg.slice(0, under) : arg);
  const limit = under >= 0 ? leadingNumber(arg.slice(under + 1)) : 0;
  return headerWrap(subject, cols, limit);
}

const numeric = (kind: 'hash' | 'nhash' | 'length' | 'substr', name: string): OperatorFn =>
  (subject, _ctx, arg) => numericOperator(kind, name, arg, subject);

export const OPERATORS: Map<string, OperatorFn> = new Map<string, OperatorFn>([
  ['address', (s) => addressOperator(s)],
  ['addresses', (s) => addressesOperator(s)],
  ['base32', (s) => base32Encode(s)],
  ['base32d', (s) => base32Decode(s)],
  ['base62', (s) => base62Encode(s)],
  ['base62d', (s) => base62Decode(s)],
  ['base64', (s) => base64Encode(s)],
  ['base64d', (s) => base64Decode(s)],
  ['domain', (s) => domainOperator(s)],
  ['escape', (s) => escapeNonPrinting(s)],
  ['escape8bit', (s) => escape8bit(s)],
  ['from_utf8', (s) => fromUtf8(s)],
  ['hash', numeric('hash', 'hash')],
  ['h', numeric('hash', 'h')],
  ['headerwrap', headerWrapOperator],
  ['hex2b64', (s) => hexToBase64(s)],
  ['hexquote', (s) => hexQuote(s)],
  ['ipv6denorm', (s) => ipv6Denorm(s)],
  ['ipv6norm', (s) => ipv6Norm(s)],
  ['lc', (s) => lowerCase(s)],
  ['length', numeric('length', 'length')],
  ['l', numeric('length', 'l')],
  ['listcount', (s) => listCount(s)],
  ['local_part', (s) => localPartOperator(s)],
  ['mask', (s, _ctx, arg) => maskOperator(s, arg !== undefined && arg[0] === 'n')],
  ['md5', (s) => md5Hex(s)],
  ['nhash', numeric('nhash', 'nhash')],
  ['nh', numeric('nhash', 'nh')],
  ['quote', (s, _ctx, arg) => {
    // quote_<lookup> is the expander's (it knows the lookups); here only plain quote
    if (arg !== undefined) throw new ExpandError(`unknown lookup type "${arg}"`);
    return quoteString(s);
  }],
  ['quote_local_part', (s) => quoteLocalPart(s)],
  ['randint', (s) => randInt(s)],
  ['reverse_ip', (s) => reverseIp(s)],
  ['rfc2047', (s) => rfc2047Encode(s)],
  ['rfc2047d', (s) => rfc2047Decode(s)],
  ['rxquote', (s) => regexQuote(s)],
  ['sha1', (s) => sha1Hex(s)],
  ['sha2', (s, _ctx, arg) => sha2Hex(s, arg)],
  ['sha256', (s, _ctx, arg) => sha2Hex(s, arg)],
  ['sha3', (s, _ctx, arg) => sha3Hex(s, arg)],
  ['stat', (s) => statOperator(s)],
  ['str2b64', (s) => base64Encode(s)],
  ['strlen', (s) => byteCount(s)],
  ['substr', numeric('substr', 'substr')],
  ['s', numeric('substr', 's')],
  ['time_eval', (s) => timeEval(s)],
  ['time_interval', (s) => timeInterval(s)],
  ['uc', (s) => upperCase(s)],
  ['utf8clean', (s) => utf8Clean(s)],
  ['utf8_domain_to_alabel', (s) => domainToALabel(s)],
  ['utf8_domain_from_alabel', (s) => domainFromALabel(s)],
  ['utf8_localpart_to_alabel', (s) => localPartToALabel(s)],
  ['utf8_localpart_from_alabel', (s) => localPartFromALabel(s)],
  ['xtextd', (s) => xtextDecode(s)],
]);

/**
 * Find the operator for a name as written in ${name:..}: the whole name if
 * it is an operator, else the part before the first underscore with the rest
 * as its argument. Undefined: not an operator here (Exim says
 * `unknown expansion operator "name"` unless the expander knows it).
 */
export function resolveOperator(name: string): { fn: OperatorFn; arg?: string } | undefined {
  const whole = OPERATORS.get(name);
  if (whole) return { fn: whole };
  const under = name.indexOf('_');
  if (under < 0) return undefined;
  const fn = OPERATORS.get(name.slice(0, under));
  return fn ? { fn, arg: name.slice(under + 1) } : undefined;
}

export { hashString, nhashString, substrString, lengthString, parseItemNumber } from './hash.ts';
export { extractAddress, extractAddressList, findAddressEnd } from './address.ts';
export { encodeBytes, decodeBytes, byteLength } from './bytes.ts';
