// dnslists = : DNS black list checks (sections "Using DNS lists" to "DNS
// lists and IPv6"). Each item is
//   [txtdomain,]domain[[!]{=,==,&,=&}ip,ip...][/key-list]
// or +include_unknown / +exclude_unknown / +defer_unknown. Lookups go
// through the DNS resolver's synchronous face (a wait on first use) and are
// remembered for the connection, limited by the records' TTL.

// (Exim writes its dnslists trace lines unindented: debug_printf, not debug_printf_indent.)
import { isIPv4, isIPv6 } from 'node:net';
import { resolveSync, type DnsAnswer } from '../dns/index.ts';
import { ipv6Nibbles } from '../dns/reverse.ts';
import { splitList } from '../lists/index.ts';
import { writeLog } from './logging.ts';
import { attempt, getVar, setVar, trace, type Rc, type RunState, type Step } from './state.ts';
import { WHERE_NAMES } from './tables.ts';
import type { AclConnectionState } from './types.ts';

interface CacheEntry {
  status: DnsAnswer['status'];
  addresses: string[];
  text?: string;
  textSet: boolean;
  expiry: number;
}

/** Per-connection cache of DNS list answers, by query name. */
const caches = new WeakMap<AclConnectionState, Map<string, CacheEntry>>();
const MAX_POSITIVE_TTL = 3600;

interface Match {
  ipList?: string;
  bitmask: boolean;
  all: boolean;
  not: boolean;
}

/** The inverted form of an IP address for a DNS list query (IPv4 octets or IPv6 nibbles reversed). */
export function invertAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1];
  if (isIPv4(ip)) return ip.split('.').reverse().join('.');
  return ipv6Nibbles(ip.replace(/%.*$/, '')).reverse().join('.');
}

function isIp(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

const STRANGE = /[^A-Za-z0-9._-]/;

export function* dnslistsCondition(st: RunState, arg: string): Step<Rc> {
  let deferReturn: Rc = 'FAIL';
  let hostRev: string | undefined;
  for (let item of splitList(arg)) {
    trace(st, `dnslists check: ${item}`, false);
    if (item.startsWith('+')) {
      const l = item.toLowerCase();
      if (l === '+include_unknown') deferReturn = 'OK';
      else if (l === '+exclude_unknown') deferReturn = 'FAIL';
      else if (l === '+defer_unknown') deferReturn = 'DEFER';
      else writeLog(st, ['main', 'panic'], `unknown item in dnslist (ignored): ${item}`);
      continue;
    }
    let key: string | undefined;
    const slash = item.indexOf('/');
    if (slash >= 0) {
      key = item.slice(slash + 1);
      item = item.slice(0, slash);
    }
    const m: Match = { bitmask: false, all: false, not: false };
    let at = item.indexOf('=');
    if (at < 0) {
      at = item.indexOf('&');
      m.bitmask = at >= 0;
    }
    let domain = item;
    if (at >= 0) {
      let list = item.slice(at + 1);
      let end = at;
      if (at > 0 && item[at - 1] === '!') {
        m.not = true;
        end = at - 1;
      }
      if (!m.bitmask && (list[0] === '=' || list[0] === '&')) {
        m.bitmask = list[0] === '&';
        m.all = true;
        list = list.slice(1);
      }
      m.ipList = list;
      domain = item.slice(0, end);
    }
    let domainTxt = domain;
    const comma = domain.indexOf(',');
    if (comma >= 0) {
      domainTxt = domain.slice(0, comma);
      domain = domain.slice(comma + 1);
    }
    if (STRANGE.test(domain)) writeLog(st, ['main'], `dnslists domain "${domain}" contains strange characters - is this right?`);
    if (domainTxt !== domain && STRANGE.test(domainTxt)) {
      writeLog(st, ['main'], `dnslists domain "${domainTxt}" contains strange characters - is this right?`);
    }

    if (key === undefined) {
      if (st.where === 'not_smtp' || st.where === 'not_smtp_start') {
        st.logMsg = `cannot test auto-keyed dnslists condition in ${WHERE_NAMES[st.where]} ACL`;
        return 'ERROR';
      }
      const host = getVar(st, 'sender_host_address');
      if (!host) return 'FAIL';
      hostRev ??= invertAddress(host);
      const rc = yield* oneCheck(st, domain, domainTxt, host, hostRev, m, deferReturn);
      if (rc === 'OK') {
        setVar(st, 'dnslist_domain', domainTxt);
        setVar(st, 'dnslist_matched', host);
        trace(st, `=> that means ${host} is listed at ${domainTxt}`, false);
      }
      if (rc !== 'FAIL') return rc;
    } else {
      let deferred = false;
      for (const keyItem of splitList(key)) {
        const prepend = isIp(keyItem) ? invertAddress(keyItem) : keyItem;
        const rc = yield* oneCheck(st, domain, domainTxt, keyItem, prepend, m, deferReturn);
        if (rc === 'OK') {
          setVar(st, 'dnslist_domain', domainTxt);
          setVar(st, 'dnslist_matched', keyItem, true);
          trace(st, `=> that means ${keyItem} is listed at ${domainTxt}`, false);
          return 'OK';
        }
        if (rc === 'DEFER') deferred = true;
      }
      if (deferred) return 'DEFER';
    }
  }
  return 'FAIL';
}

function parseV4(s: string): number | undefined {
  if (!isIPv4(s)) return undefined;
  return s.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
}

function* lookupA(st: RunState, query: string): Step<CacheEntry> {
  let cache = caches.get(st.actx.conn);
  if (!cache) caches.set(st.actx.conn, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(query);
  if (hit && hit.expiry > now) {
    trace(st, 'dnslists: using result of previous lookup', false);
    return hit;
  }
  if (hit) trace(st, 'cached data found but past valid time; ', false);
  trace(st, `new DNS lookup for ${query}`, false);
  const answer = yield* attempt(st, () => resolveSync(st.actx.expand.memo, query, 'A'));
  const addresses: string[] = [];
  let ttl = MAX_POSITIVE_TTL;
  for (const r of answer.records) {
    if (r.type === 'A' && r.data) {
      addresses.push(r.data);
      ttl = Math.min(ttl, r.ttl);
    }
  }
  let status = answer.status;
  if (status === 'ok' && addresses.length === 0) status = 'nodata';
  if (status !== 'ok') ttl = status === 'nxdomain' || status === 'nodata' ? negativeTtl(answer) : 0;
  const entry: CacheEntry = { status, addresses, textSet: false, expiry: now + ttl * 1000 };
  cache.set(query, entry);
  trace(st, `dnslists: wrote cache entry, ttl=${ttl}`, false);
  return entry;
}

function negativeTtl(answer: DnsAnswer): number {
  const soa = answer.authority?.find((r) => r.type === 'SOA');
  if (!soa) return 3600;
  return Math.min(soa.ttl, soa.minimum ?? soa.ttl);
}

/** One DNS list lookup (Exim's one_check_dnsbl). */
function* oneCheck(st: RunState, domain: string, domainTxt: string, keyDomain: string, prepend: string, m: Match, deferReturn: Rc): Step<Rc> {
  const query = `${prepend}.${domain}`;
  if (query.length >= 256) {
    writeLog(st, ['main', 'panic'], `dnslist query is too long (ignored): ${query}...`);
    return 'FAIL';
  }
  const cb = yield* lookupA(st, query);
  if (cb.status === 'ok') {
    const addlist = cb.addresses.join(', ');
    trace(st, `DNS lookup for ${query} succeeded (yielding ${addlist})`, false);
    if (m.ipList !== undefined) {
      let da: string | undefined;
      for (const addr of cb.addresses) {
        let matched: boolean;
        const items = splitList(m.ipList, ',');
        if (!m.bitmask) {
          matched = items.includes(addr);
        } else {
          let mask = 0;
          const a = parseV4(addr);
          if (a !== undefined) {
            if ((a & 0xff000000) >>> 0 !== 0x7f000000) {
              writeLog(st, ['main'], `DNS list lookup for ${keyDomain} at ${domain} returned ${addr}; not in 127.0/8 and discarded`);
            } else mask = a;
          }
          matched = items.some((res) => {
            const v = parseV4(res);
            return v !== undefined && ((v & mask) >>> 0) === v;
          });
        }
        // stop at the first match for "any" lists, at the first mismatch for "all" lists
        if (m.all !== matched) {
          da = addr;
          break;
        }
      }
      const found = da !== undefined;
      const type = (m.not ? 1 : 0) | (m.all ? 2 : 0);
      if ((type === 1 || type === 2) !== !found) {
        const why = ['was no match', 'was an exclude match', 'was an IP address that did not match', 'were no IP addresses that did not match'][type];
        trace(st, '=> but we are not accepting this block class because', false);
        trace(st, `=> there ${why} for ${m.all ? '=' : ''}${m.bitmask ? '&' : '='}${m.ipList}`, false);
        return 'FAIL';
      }
    } else {
      let ok = false;
      for (const addr of cb.addresses) {
        const a = parseV4(addr);
        if (a !== undefined && (a & 0xff000000) >>> 0 === 0x7f000000) ok = true;
        else writeLog(st, ['main'], `DNS list lookup for ${keyDomain} at ${domain} returned ${addr}; not in 127.0/8 and discarded`);
      }
      if (!ok) return 'FAIL';
    }
    if (domainTxt !== domain) {
      return yield* oneCheck(st, domainTxt, domainTxt, keyDomain, prepend, { bitmask: false, all: m.all, not: m.not }, deferReturn);
    }
    if (!cb.textSet) {
      const txt = yield* attempt(st, () => resolveSync(st.actx.expand.memo, query, 'TXT'));
      cb.textSet = true;
      const rec = txt.status === 'ok' ? txt.records.find((r) => r.type === 'TXT') : undefined;
      if (rec) cb.text = (rec.strings?.[0] ?? '').slice(0, 511);
    }
    setVar(st, 'dnslist_value', addlist, true);
    setVar(st, 'dnslist_text', cb.text ?? '', true);
    return 'OK';
  }
  if (cb.status !== 'nxdomain' && cb.status !== 'nodata') {
    if (st.actx.logger?.selector?.has('dnslist_defer') ?? true) {
      const what = deferReturn === 'OK' ? 'assumed in list' : deferReturn === 'FAIL' ? 'assumed not in list' : 'returned DEFER';
      writeLog(st, ['main'], `DNS list lookup defer (probably timeout) for ${query}: ${what}`);
    }
    return deferReturn;
  }
  trace(st, `DNS lookup for ${query} failed`, false);
  trace(st, `=> that means ${keyDomain} is not listed at ${domain}`, false);
  return 'FAIL';
}
