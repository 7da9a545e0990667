// The dnsdb lookup: the DNS as a query-style database (spec: "More about
// dnsdb"). Query syntax, in order:
//
//   [>S[,F | ;]] [modifier,]... [type=]domain-list
//
// S separates records (default newline); F separates the fields of one
// record (";" means "no separator"). Modifiers: defer_{strict,lax,never},
// dnssec_{strict,lax,never}, retrans_<time>, retry_<n>. Types: a aaaa a+
// cname csa mx mxh ns zns ptr soa spf srv tlsa txt (default txt).
// Syntax errors are DEFERs with Exim's messages. Queries wait through
// resolveSync(), so the synchronous expander suspends while DNS is asked.

import { isIP } from 'node:net';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';
import type { ExpandContext } from '../expand/context.ts';
import { readTime } from '../config/values.ts';
import { resolveSync } from '../dns/resolver.ts';
import { reverseName } from '../dns/reverse.ts';
import { reportDnsFail } from '../dns/fail-event.ts';
import { csaLookupSync, CSA_DEFAULT_SEARCH_LIMIT } from '../dns/csa.ts';
import type { DnsAnswer, DnsQueryOptions, DnsRecord, RRType } from '../dns/types.ts';

type Mode = 'strict' | 'lax' | 'never';

const TYPES = {
  a: 'A', aaaa: 'AAAA', 'a+': 'A+', cname: 'CNAME', csa: 'CSA', mx: 'MX', mxh: 'MXH', ns: 'NS',
  zns: 'ZNS', ptr: 'PTR', soa: 'SOA', spf: 'SPF', srv: 'SRV', tlsa: 'TLSA', txt: 'TXT',
} as const;
export type DnsdbType = (typeof TYPES)[keyof typeof TYPES];

export interface DnsdbQuery {
  /** Between records (and between the results of several domains). */
  recordSep: string;
  /** Between the fields of one record; null when not given ('' for ";"). */
  fieldSep: string | null;
  defer: Mode;
  dnssec: Mode;
  timeoutMs?: number;
  retries?: number;
  type: DnsdbType;
  domains: string[];
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\v\f\r]$/.test(c);

/** Parse a dnsdb query; throws LookupDefer with Exim's message for a bad one. */
export function parseDnsdbQuery(text: string): DnsdbQuery {
  let p = 0;
  const skipSpace = () => {
    while (isSpace(text[p])) p++;
  };
  const startsWith = (word: string) => text.slice(p, p + word.length).toLowerCase() === word;
  const q: DnsdbQuery = { recordSep: '\n', fieldSep: null, defer: 'lax', dnssec: 'lax', type: 'TXT', domains: [] };

  skipSpace();
  if (text[p] === '>') {
    q.recordSep = text[p + 1] ?? '';
    p += 2;
    if (text[p] === ',') {
      q.fieldSep = text[p + 1] ?? '';
      p += 2;
    } else if (text[p] === ';') {
      q.fieldSep = '';
      p += 1;
    }
    skipSpace();
  }

  for (;;) {
    if (startsWith('defer_')) {
      p += 6;
      q.defer = readMode(() => new LookupDefer('unsupported dnsdb defer behaviour'));
    } else if (startsWith('dnssec_')) {
      p += 7;
      q.dnssec = readMode(() => new LookupDefer('unsupported dnsdb dnssec behaviour'));
    } else if (startsWith('retrans_')) {
      p += 8;
      const comma = text.indexOf(',', p);
      const seconds = readTime(text.slice(p, comma < 0 ? text.length : comma));
      if (seconds <= 0) throw new LookupDefer('unsupported dnsdb timeout value');
      q.timeoutMs = seconds * 1000;
      p = comma < 0 ? text.length : comma;
    } else if (startsWith('retry_')) {
      p += 6;
      const { value: n, length } = strtol(text.slice(p));
      if (n < 0) throw new LookupDefer('unsupported dnsdb retry count');
      p += length;
      // Zero leaves the resolver's default, as Exim's dns_retry.
      if (n > 0) q.retries = n;
    } else {
      break;
    }
    skipSpace();
    if (text[p++] !== ',') throw new LookupDefer('dnsdb modifier syntax error');
    skipSpace();
  }

  const equals = text.indexOf('=', p);
  if (equals >= 0) {
    const name = text.slice(p, equals).replace(/\s+$/, '').toLowerCase();
    if (!Object.hasOwn(TYPES, name)) throw new LookupDefer('unsupported DNS record type');
    q.type = TYPES[name as keyof typeof TYPES];
    p = equals + 1;
    skipSpace();
  }
  const rest = text.slice(p);
  // Compatibility: a PTR query that is exactly one IPv6 address is not a colon-separated list.
  q.domains = q.type === 'PTR' && !rest.startsWith('<') && isIP(rest) ? [rest] : splitDomainList(rest);
  if (q.type === 'SPF' && q.fieldSep === null) q.fieldSep = '';
  return q;

  function readMode(bad: () => LookupDefer): Mode {
    for (const mode of ['strict', 'lax', 'never'] as const) {
      if (startsWith(mode)) {
        p += mode.length;
        return mode;
      }
    }
    throw bad();
  }
}

/** C's strtol(s, &end, 0): optional space and sign, then hex (0x), octal (0) or decimal. */
function strtol(s: string): { value: number; length: number } {
  const m = /^\s*([+-]?)(?:0x([0-9a-f]+)|(0[0-7]*)|([1-9]\d*))/i.exec(s);
  if (!m) return { value: 0, length: 0 };
  const magnitude = m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? parseInt(m[3], 8) : Number(m[4]);
  return { value: m[1] === '-' ? -magnitude : magnitude, length: m[0].length };
}

/** Exim list syntax: optional "<c" separator change, doubled separator is literal, items trimmed, empty ones skipped. */
function splitDomainList(text: string): string[] {
  let sep = ':';
  let s = text.replace(/^\s+/, '');
  if (s[0] === '<' && s.length > 1 && !/[A-Za-z0-9\s]/.test(s[1]!)) {
    sep = s[1]!;
    s = s.slice(2);
  }
  const items: string[] = [];
  let item = '';
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && s[i] !== sep) {
      item += s[i];
    } else if (i < s.length && s[i + 1] === sep) {
      item += sep;
      i++;
    } else {
      const trimmed = item.trim();
      if (trimmed !== '') items.push(trimmed);
      item = '';
    }
  }
  return items;
}

/** The DNS query types behind each dnsdb type, in the order they are asked. */
function searchTypes(type: DnsdbType): RRType[] {
  switch (type) {
    case 'A+': return ['AAAA', 'A'];
    case 'MXH': return ['MX'];
    case 'ZNS': return ['NS'];
    case 'CSA': return ['SRV'];
    default: return [type];
  }
}

interface Found {
  answer: DnsAnswer;
  /** The domain whose records these are (zns/soa/csa may move up the tree). */
  found: string;
}

/** One DNS lookup for one domain, with the pseudo-types' tree walks. */
function lookupOne(ctx: ExpandContext, domain: string, type: DnsdbType, rr: RRType, opts: DnsQueryOptions): Found {
  const memo = ctx.memo;
  if (type === 'CSA') return csaLookupSync(memo, domain, opts, csaSearchLimit(ctx));
  if (type === 'ZNS' || type === 'SOA') {
    // Drop leading labels until something is found; never ask about the root.
    let d = domain.replace(/\.$/, '');
    for (;;) {
      const answer = resolveSync(memo, d, rr, opts);
      if (answer.status !== 'nxdomain' && answer.status !== 'nodata') return { answer, found: d };
      const dot = d.indexOf('.');
      if (dot < 0) return { answer, found: d };
      d = d.slice(dot + 1);
    }
  }
  return { answer: resolveSync(memo, domain, rr, opts), found: domain };
}

function csaSearchLimit(ctx: ExpandContext): number {
  const n = Number(ctx.options?.get('dns_csa_search_limit'));
  return Number.isInteger(n) && n >= 0 ? n : CSA_DEFAULT_SEARCH_LIMIT;
}

/** One record as dnsdb prints it; null to skip it (an unusable CSA record). */
function formatRecord(r: DnsRecord, q: DnsdbQuery, domain: string, found: string): string | null {
  // Exim writes fields with a one-character separator; an empty one (";")
  // ends its C string there, so only what precedes it shows. We print what Exim shows.
  const sep = q.fieldSep ?? ' ';
  switch (q.type) {
    case 'TXT':
    case 'SPF': {
      const strings = r.strings ?? [];
      return q.fieldSep === null ? (strings[0] ?? '') : strings.join(q.fieldSep);
    }
    case 'TLSA': {
      if (sep === '') return String(r.usage);
      return [r.usage, r.selector, r.matchingType, r.certificate].join(sep);
    }
    case 'MX':
      return `${r.priority}${sep}${r.exchange}`;
    case 'MXH':
      return r.exchange ?? '';
    case 'SRV':
      return sep === '' ? `${r.priority}${r.exchange}` : [r.priority, r.weight, r.port, r.exchange].join(sep);
    case 'CSA':
      return csaCode(r, domain, found);
    case 'SOA':
      if (q.fieldSep === null || q.fieldSep === '') return r.mname ?? '';
      return [r.mname, r.rname, r.serial, r.refresh, r.retry, r.expire, r.minimum].join(q.fieldSep);
    default:
      return r.data ?? '';
  }
}

/** "<code> <target>": Y/N/? from the record's own weight, X/? from a parent's assertion. */
function csaCode(r: DnsRecord, domain: string, found: string): string | null {
  if (r.priority !== 1) return null; // CSA version 1 only
  let code: string;
  if (found.toLowerCase() !== domain.replace(/\.$/, '').toLowerCase()) {
    code = ((r.port ?? 0) & 1) === 1 ? 'X' : '?';
  } else {
    const weight = r.weight ?? 0;
    if (weight < 2) code = 'N';
    else if (weight === 2) code = 'Y';
    else if (weight === 3) code = '?';
    else return null;
  }
  return `${code} ${r.exchange ?? ''}`;
}

function setDnssecVariable(ctx: ExpandContext, value: string): void {
  ctx.vars.set('lookup_dnssec_authenticated', { value, tainted: false });
}

function find(req: LookupRequest): string | null {
  const q = parseDnsdbQuery(req.key);
  const ctx = req.ctx;
  const opts: DnsQueryOptions = { dnssec: q.dnssec !== 'never' };
  if (q.timeoutMs !== undefined) opts.timeoutMs = q.timeoutMs;
  if (q.retries !== undefined) opts.retries = q.retries;

  let out = '';
  let deferred = false;
  for (const item of q.domains) {
    const domain = (q.type === 'PTR' || q.type === 'CSA') && isIP(item) ? reverseName(item) : item;
    for (const rr of searchTypes(q.type)) {
      const { answer, found } = lookupOne(ctx, domain, q.type, rr, opts);
      setDnssecVariable(ctx, q.dnssec === 'never' ? '' : answer.authenticated ? 'yes' : 'no');
      reportDnsFail(ctx, answer, found, rr);
      if (answer.status === 'nxdomain' || answer.status === 'nodata') continue;
      if (answer.status !== 'ok' || (q.dnssec === 'strict' && !answer.authenticated)) {
        if (q.defer === 'strict') throw new LookupDefer('');
        if (q.defer === 'lax') deferred = true;
        continue;
      }
      for (const r of answer.records) {
        if (r.type !== rr) continue;
        const text = formatRecord(r, q, domain, found);
        if (text === null) continue;
        if (out !== '') out += q.recordSep;
        out += text;
      }
    }
  }
  if (out !== '') return out;
  if (deferred) throw new LookupDefer('');
  return null;
}

registerLookup({ name: 'dnsdb', style: 'query', find, cacheable: false });
