// verify = ... (sections "ACL conditions", "Address verification",
// "Callout verification", "Client SMTP authorization"). Host, HELO, CSA,
// certificate and header checks are done here; sender, recipient and
// header_sender addresses go through the verify.address hook that address
// routing provides.

import { csaLookupSync } from '../dns/csa.ts';
import { resolveSync } from '../dns/index.ts';
import { reverseName } from '../dns/reverse.ts';
import { readTime } from '../config/values.ts';
import { extractAddress, findAddressEnd } from '../expand/operators/address.ts';
import { splitList } from '../lists/index.ts';
import { isIP } from 'node:net';
import { verifyArcCondition } from '../arc/condition.ts';
import { hostNameLookup, nameHasAddress, noHostNameLogLine, type HostLookupTrace } from './host-lookup.ts';
import { writeLog } from './logging.ts';
import { rewriteAddress } from '../rewrite/index.ts';
import { attempt, getVar, setVar, trace, waitFor, type Rc, type RunState, type Step } from './state.ts';
import { HAVE_DATA_WHERES, WHERE_NAMES } from './tables.ts';
import type { AclWhere, VerifyAddressOptions, VerifyAddressResult } from './types.ts';

interface VerifyType {
  name: string;
  /** Options may follow "/"; sender also takes "=address" (compare only the first 6 characters). */
  noOptions: boolean;
  prefixLength?: number;
  allowed: ReadonlySet<AclWhere> | 'all';
}

const VERIFY_TYPES: VerifyType[] = [
  { name: 'reverse_host_lookup', noOptions: false, allowed: 'all' },
  { name: 'certificate', noOptions: true, allowed: 'all' },
  { name: 'helo', noOptions: true, allowed: 'all' },
  { name: 'csa', noOptions: false, allowed: 'all' },
  { name: 'header_syntax', noOptions: true, allowed: HAVE_DATA_WHERES },
  { name: 'not_blind', noOptions: false, allowed: HAVE_DATA_WHERES },
  { name: 'header_sender', noOptions: false, allowed: HAVE_DATA_WHERES },
  { name: 'sender', noOptions: false, prefixLength: 6, allowed: new Set<AclWhere>(['mail', 'rcpt', 'predata', 'data', 'not_smtp']) },
  { name: 'recipient', noOptions: false, allowed: new Set<AclWhere>(['rcpt']) },
  { name: 'header_names_ascii', noOptions: true, allowed: HAVE_DATA_WHERES },
  { name: 'arc', noOptions: false, allowed: new Set<AclWhere>(['data']) },
];

const BAD_VERIFY = (arg: string): string => `expected "sender[=address]", "recipient", "helo", "header_syntax", "header_sender", "header_names_ascii" or "reverse_host_lookup" at start of ACL condition "verify ${arg}"`;

/** Callout sub-options, in Exim's order (prefix matching: longer names first where they share a prefix). */
const CALLOUT_OPTS: { name: string; hasValue: boolean; time: boolean }[] = [
  { name: 'defer_ok', hasValue: false, time: false },
  { name: 'no_cache', hasValue: false, time: false },
  { name: 'random', hasValue: false, time: false },
  { name: 'use_sender', hasValue: false, time: false },
  { name: 'use_tptsender', hasValue: false, time: false },
  { name: 'use_postmaster', hasValue: false, time: false },
  { name: 'postmaster_mailfrom', hasValue: true, time: false },
  { name: 'postmaster', hasValue: false, time: false },
  { name: 'fullpostmaster', hasValue: false, time: false },
  { name: 'mailfrom', hasValue: true, time: false },
  { name: 'maxwait', hasValue: true, time: true },
  { name: 'connect', hasValue: true, time: true },
  { name: 'hold', hasValue: false, time: false },
  { name: 'pipeline', hasValue: false, time: false },
  { name: '', hasValue: false, time: true },
];

const CALLOUT_TIMEOUT_DEFAULT = 30;

const returnDetails = (st: RunState): boolean => {
  const v = st.actx.config.getOption('smtp_return_error_details');
  return v.kind === 'bool' && v.value;
};

export function* verifyCondition(st: RunState, arg: string): Step<Rc> {
  const parts = splitList(arg, '/');
  const first = parts[0];
  if (first === undefined) return err(st, BAD_VERIFY(arg));
  const lower = first.toLowerCase();
  const vt = VERIFY_TYPES.find((v) => (v.prefixLength ? lower.slice(0, v.prefixLength) === v.name.slice(0, v.prefixLength) : lower === v.name));
  if (!vt) return err(st, BAD_VERIFY(arg));
  if (vt.noOptions && arg.includes('/')) return err(st, `unexpected '/' found in "${arg}" (this verify item has no options)`);
  if (vt.allowed !== 'all' && !vt.allowed.has(st.where)) return err(st, `cannot verify ${vt.name} in ACL for ${WHERE_NAMES[st.where]}`);
  const rest = parts.slice(1);
  switch (vt.name) {
    case 'reverse_host_lookup': {
      const rc = yield* verifyReverse(st);
      if (rc === 'DEFER' && rest.some((o) => o.toLowerCase() === 'defer_ok')) return 'OK';
      return rc;
    }
    case 'certificate':
      if (getVar(st, 'tls_in_certificate_verified') === '1') return 'OK';
      st.userMsg = 'no verified certificate';
      return 'FAIL';
    case 'helo':
      return yield* verifyHelo(st);
    case 'arc':
      return yield* verifyArcCondition(st, rest.join('/'));
    case 'csa':
      return yield* verifyCsa(st, rest[0] ?? '');
    case 'header_syntax': {
      const problem = checkHeaderSyntax(st);
      if (problem === undefined) return 'OK';
      st.logMsg = problem;
      if (returnDetails(st)) st.userMsg = `Rejected after DATA: ${problem}`;
      else setVar(st, 'acl_verify_message', problem);
      return 'FAIL';
    }
    case 'header_names_ascii': {
      for (const h of st.actx.headers ?? []) {
        const colon = h.indexOf(':');
        const name = colon < 0 ? h : h.slice(0, colon);
        if (/[^\x21-\x7e]/.test(name)) {
          st.logMsg = `Invalid character in header "${name}" found`;
          if (returnDetails(st)) st.userMsg = `Rejected after DATA: ${st.logMsg}`;
          return 'FAIL';
        }
      }
      return 'OK';
    }
    case 'not_blind': {
      let caseSensitive = true;
      for (const o of rest) {
        if (o.toLowerCase() === 'case_insensitive') caseSensitive = false;
        else return err(st, `unknown option "${o}" in ACL condition "verify ${arg}"`);
      }
      if (notBlind(st, caseSensitive)) return 'OK';
      st.logMsg = 'bcc recipient detected';
      if (returnDetails(st)) st.userMsg = `Rejected after DATA: ${st.logMsg}`;
      return 'FAIL';
    }
  }
  return yield* verifyAddress(st, arg, vt.name as 'sender' | 'recipient' | 'header_sender', first, rest);
}

/** The host-name lookup's trace: Exim's unindented debug lines, its DNSSEC list checks at the ACL's level. */
function lookupTrace(st: RunState): HostLookupTrace | undefined {
  return st.actx.trace ? { write: (line) => st.actx.trace?.(line), level: st.level } : undefined;
}

function err(st: RunState, msg: string): Rc {
  st.logMsg = msg;
  return 'ERROR';
}

function* verifyReverse(st: RunState): Step<Rc> {
  const host = st.actx.conn.host ?? (st.actx.conn.host = { address: getVar(st, 'sender_host_address') || undefined, name: getVar(st, 'sender_host_name') || undefined });
  if (!host.address) return 'OK';
  if (host.name) return 'OK';
  if (host.nameLookupFailed) {
    const r = hostNameLookup(st.actx.expand, host);
    st.logMsg = `host lookup failed${r.rc === 'fail' ? r.message : ''}`;
    return 'FAIL';
  }
  trace(st, 'looking up host name to force name/address consistency check');
  const r = yield* attempt(st, () => hostNameLookup(st.actx.expand, host, lookupTrace(st)));
  const noName = noHostNameLogLine(r, host.address);
  if (noName) writeLog(st, ['main'], noName);
  if (r.rc === 'defer') {
    st.logMsg = 'host lookup deferred for reverse lookup check';
    return 'DEFER';
  }
  if (r.rc === 'fail') {
    setVar(st, 'host_lookup_failed', '1');
    st.logMsg = `host lookup failed for reverse lookup check${r.message}`;
    return 'FAIL';
  }
  setVar(st, 'sender_host_name', host.name);
  return 'OK';
}

/**
 * HELO/EHLO verification (Exim's smtp_verify_helo); the result is kept for
 * the connection, so only the first check traces (in Exim's words).
 */
export function* verifyHelo(st: RunState): Step<Rc> {
  const conn = st.actx.conn;
  if (conn.heloVerified === undefined) {
    const helo = getVar(st, 'sender_helo_name');
    const address = getVar(st, 'sender_host_address');
    const note = (line: string): void => trace(st, line, false);
    note(`verifying EHLO/HELO argument "${helo}"`);
    let ok = false;
    if (!helo) {
      note('no EHLO/HELO command was issued');
    } else if (!address) {
      note('no client IP address: assume success');
      ok = true;
    } else if (helo.startsWith('[')) {
      ok = helo.slice(1).startsWith(address) || (/^::ffff:/i.test(address) && helo.slice(1).startsWith(address.slice(7)));
      if (ok) note('matched host address');
    } else {
      const host = conn.host ?? (conn.host = { address, name: getVar(st, 'sender_host_name') || undefined });
      if (!host.name && !host.nameLookupFailed) {
        const looked = yield* attempt(st, () => hostNameLookup(st.actx.expand, host, lookupTrace(st)));
        const noName = noHostNameLogLine(looked, address);
        if (noName) writeLog(st, ['main'], noName);
      }
      if (host.name && host.name.toLowerCase() === helo.toLowerCase()) {
        ok = true;
        note('matched host name');
      } else if (host.name) {
        const alias = (host.aliases ?? []).find((n) => n.toLowerCase() === helo.toLowerCase());
        if (alias !== undefined) {
          ok = true;
          note(`matched alias ${alias}`);
        }
      }
      if (!ok) {
        note(`getting IP address for ${helo}`);
        traceForwardDnssecLists(note, helo);
        ok = (yield* attempt(st, () => nameHasAddress(st.actx.expand.memo, helo, address))) === true;
        if (ok) {
          note(`IP address for ${helo} matches calling address`);
          note('Forward DNS security status: unverified');
        }
      }
    }
    conn.heloVerified = ok;
  }
  return conn.heloVerified ? 'OK' : 'FAIL';
}

/** Exim's forward lookup of the HELO name requests DNSSEC for any domain and requires it for none; -bh shows both checks. */
function traceForwardDnssecLists(note: (line: string) => void, name: string): void {
  note('check dnssec require list');
  note(` ${name} in ""?`);
  note(` ${name} in ""? no (end of list)`);
  note('check dnssec request list');
  note(` ${name} in "*"?`);
  note('  list element: *');
  note(`  ${name} in "*"? yes (matched "*")`);
}

const CSA_REASONS = {
  unknown: 'unknown', ok: 'ok', defer_srv: 'deferred (SRV lookup failed)', defer_addr: 'deferred (target address lookup failed)',
  fail_explicit: 'failed (explicit authorization required)', fail_domain: 'failed (host name not authorized)',
  fail_noaddr: 'failed (no authorized addresses)', fail_mismatch: 'failed (client address mismatch)',
} as const;
type CsaCode = keyof typeof CSA_REASONS;

function* verifyCsa(st: RunState, domainArg: string): Step<Rc> {
  const code = yield* attempt(st, () => csaCheck(st, domainArg.trim()));
  const status = code === 'ok' ? 'ok' : code === 'unknown' ? 'unknown' : code.startsWith('defer') ? 'defer' : 'fail';
  st.logMsg = st.userMsg = `client SMTP authorization ${CSA_REASONS[code]}`;
  setVar(st, 'csa_status', status);
  trace(st, `CSA result ${status}`);
  return code.startsWith('fail') ? 'FAIL' : 'OK';
}

function csaCheck(st: RunState, domainArg: string): CsaCode {
  const address = getVar(st, 'sender_host_address');
  let domain = domainArg || getVar(st, 'sender_helo_name') || address;
  if (!address || !domain) return 'unknown';
  if (domain.startsWith('[')) {
    const colon = domain.indexOf(':');
    const start = colon < 0 ? 0 : colon;
    domain = domain.slice(start + 1, domain.length - 1);
  }
  if (isIP(domain)) {
    const v = st.actx.config.getOption('dns_csa_use_reverse');
    if (v.kind === 'bool' && !v.value) return 'unknown';
    domain = reverseName(domain);
  }
  const limitOpt = st.actx.config.getOption('dns_csa_search_limit');
  const limit = limitOpt.kind === 'number' ? limitOpt.value : 5;
  const memo = st.actx.expand.memo;
  const found = csaLookupSync(memo, domain, {}, limit);
  const ans = found.answer;
  if (ans.status !== 'ok') return ans.status === 'again' || ans.status === 'fail' ? 'defer_srv' : 'unknown';
  let target: string | undefined;
  for (const rr of ans.records) {
    if (rr.type !== 'SRV') continue;
    trace(st, `CSA priority=${rr.priority} weight=${rr.weight} port=${rr.port}`);
    if (rr.priority !== 1) continue;
    if (found.found.toLowerCase() !== domain.toLowerCase()) return ((rr.port ?? 0) & 1) ? 'fail_explicit' : 'unknown';
    if ((rr.weight ?? 0) < 2) return 'fail_domain';
    if ((rr.weight ?? 0) > 2) continue;
    target = (rr.exchange ?? '').replace(/\.$/, '');
    trace(st, `CSA target is ${target}`);
    break;
  }
  if (target === undefined) return 'unknown';
  if (target === '') return 'fail_noaddr';
  const type = address.includes(':') ? 'AAAA' : 'A';
  const addrs = resolveSync(memo, target, type);
  if (addrs.status === 'nxdomain' || addrs.status === 'nodata') return 'fail_noaddr';
  if (addrs.status !== 'ok') return 'defer_addr';
  const want = address.replace(/^::ffff:/i, '');
  const any = addrs.records.filter((r) => r.type === type && r.data);
  if (any.length === 0) return 'fail_noaddr';
  return any.some((r) => r.data === want || r.data === address) ? 'ok' : 'fail_mismatch';
}

const ADDRESS_HEADERS = /^(from|reply-to|sender|to|cc|bcc)\s*:/i;

/** verify = header_syntax: the first problem found, or undefined. */
function checkHeaderSyntax(st: RunState): string | undefined {
  const local = !getVar(st, 'sender_host_address');
  const unqualSender = local || getVar(st, 'allow_unqualified_sender') === '1';
  const unqualRecipient = local || getVar(st, 'allow_unqualified_recipient') === '1';
  for (const raw of st.actx.headers ?? []) {
    const m = ADDRESS_HEADERS.exec(raw);
    if (!m) continue;
    const senderLike = /^(from|sender)$/i.test(m[1]);
    const colon = raw.indexOf(':');
    const text = raw.slice(colon + 1).replace(/\n$/, '');
    const group = { allowGroup: true, foundGroup: false };
    let pos = 0;
    while (pos < text.length && /\s/.test(text[pos])) pos++;
    while (pos < text.length) {
      const end = findAddressEnd(text, pos);
      const got = extractAddress(text.slice(pos, end), false, group);
      let error: string | undefined;
      if ('error' in got) error = got.error;
      else if (got.domainStart === 0 && !(senderLike ? unqualSender : unqualRecipient)) error = 'unqualified address not permitted';
      if (error !== undefined && error !== 'empty address') {
        let item = text.slice(pos, end).replace(/\s+$/, '');
        let verb = 'is';
        if (item.length > 1024) {
          item = item.slice(0, 1024);
          verb = 'begins';
        }
        const name = raw.slice(0, colon).replace(/\s+$/, '');
        return printableMsg(`${error}: failing address in "${name}:" header ${verb}: ${item}`);
      }
      pos = end < text.length ? end + 1 : end;
      while (pos < text.length && /\s/.test(text[pos])) pos++;
    }
  }
  return undefined;
}

function printableMsg(s: string): string {
  return s.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

const RECIPIENT_HEADERS = /^(to|cc|resent-to|resent-cc)\s*:/i;

/** verify = not_blind: every envelope recipient appears in To:/Cc: (or Resent-To:/Resent-Cc:). */
function notBlind(st: RunState, caseSensitive: boolean): boolean {
  const recipients = (getVar(st, 'recipients') ?? '').split(/,\s*/).filter((r) => r !== '');
  const listed: string[] = [];
  for (const raw of st.actx.headers ?? []) {
    if (!RECIPIENT_HEADERS.test(raw)) continue;
    const text = raw.slice(raw.indexOf(':') + 1);
    const group = { allowGroup: true, foundGroup: false };
    let pos = 0;
    while (pos < text.length) {
      const end = findAddressEnd(text, pos);
      const got = extractAddress(text.slice(pos, end).trim(), false, group);
      if (!('error' in got)) listed.push(got.address);
      pos = end + 1;
    }
  }
  const norm = (a: string): string => {
    const at = a.lastIndexOf('@');
    const lp = at < 0 ? a : a.slice(0, at);
    const dom = at < 0 ? '' : a.slice(at + 1).toLowerCase();
    return `${caseSensitive ? lp : lp.toLowerCase()}@${dom}`;
  };
  const have = new Set(listed.map(norm));
  return recipients.every((r) => have.has(norm(r)));
}

function rewriteForVerify(st: RunState, address: string, where: 'F' | 'T'): string {
  const expand = st.actx.expand;
  const qualifyRecipient = expand.options?.get('qualify_recipient') || expand.options?.get('qualify_domain') || expand.options?.get('primary_hostname') || '';
  const r = rewriteAddress(address, where, st.actx.config.rewrite, {
    ctx: expand, qualifyRecipient,
    log: (line) => writeLog(st, ['main', 'panic'], line),
    logRewrite: st.actx.logger?.selector?.has('address_rewrite') ? (line) => writeLog(st, ['main'], line) : undefined,
  });
  return r.address;
}

function* verifyAddress(st: RunState, arg: string, kind: 'sender' | 'recipient' | 'header_sender', first: string, rest: string[]): Step<Rc> {
  let senderAddress: string | undefined;
  if (kind === 'sender') {
    const s = first.slice(6).trim();
    if (s === '') senderAddress = getVar(st, 'sender_address') ?? '';
    else if (!s.startsWith('=')) return err(st, BAD_VERIFY(arg));
    else senderAddress = s.slice(1).trim();
  }
  // a recipient shares its named-list cache with the ACL's checks of it; a sender is a new address
  const options: VerifyAddressOptions = { listCache: kind === 'recipient' ? st.addressListCache : undefined };
  let calloutDeferOk = false;
  for (const ss of rest) {
    const l = ss.toLowerCase();
    if (l === 'defer_ok') options.defer_ok = true;
    else if (l === 'no_details') options.no_details = true;
    else if (l === 'success_on_redirect') options.successOnRedirect = true;
    else if (l === 'callout_defer_ok') {
      calloutDeferOk = true;
      options.callout ??= { timeout: CALLOUT_TIMEOUT_DEFAULT, raw: '' };
      options.callout.defer_ok = true;
    } else if (l === 'check_postmaster') {
      options.callout ??= { timeout: CALLOUT_TIMEOUT_DEFAULT, raw: '' };
      options.callout.postmaster = true;
      options.callout.postmaster_mailfrom = '';
    } else if (l.startsWith('callout')) {
      const co: NonNullable<VerifyAddressOptions['callout']> = { timeout: CALLOUT_TIMEOUT_DEFAULT, raw: '' };
      options.callout = co;
      let s = ss.slice(7).trim();
      if (s !== '') {
        if (!s.startsWith('=')) return err(st, `'=' expected after "callout" in ACL condition "${arg}"`);
        s = s.slice(1).trim();
        co.raw = s;
        for (let opt of splitList(s, ',')) {
          const op = CALLOUT_OPTS.find((o) => opt.toLowerCase().startsWith(o.name))!;
          if (op.hasValue) {
            opt = opt.slice(op.name.length).trim();
            if (!opt.startsWith('=')) return err(st, `'=' expected after "${op.name}" in ACL verify condition "${arg}"`);
            opt = opt.slice(1).trim();
          }
          let period = 1;
          if (op.time && (period = readTime(opt)) < 0) return err(st, `bad time value in ACL condition "verify ${arg}"`);
          switch (op.name) {
            case 'defer_ok': co.defer_ok = true; calloutDeferOk = true; break;
            case 'no_cache': co.no_cache = true; break;
            case 'random': co.random = true; break;
            case 'use_sender': co.use_sender = true; break;
            case 'use_tptsender': co.use_sender = true; co.use_tptsender = true; break;
            case 'use_postmaster': co.use_postmaster = true; break;
            case 'postmaster': co.postmaster = true; co.postmaster_mailfrom = ''; break;
            case 'fullpostmaster': co.fullpostmaster = true; co.postmaster_mailfrom = ''; break;
            case 'postmaster_mailfrom': co.postmaster = true; co.postmaster_mailfrom = opt; break;
            case 'mailfrom':
              if (kind !== 'header_sender') {
                return err(st, `"mailfrom" is allowed as a callout option only for verify=header_sender (detected in ACL condition "${arg}")`);
              }
              co.mailfrom = opt;
              break;
            case 'maxwait': co.maxwait = period; break;
            case 'connect': co.connect = period; break;
            case 'hold': co.hold = true; break;
            case 'pipeline': co.pipeline = true; break;
            case '': co.timeout = period; break;
          }
        }
      }
    } else if (l.startsWith('quota')) {
      options.quota = ss.slice(5).trim().replace(/^=\s*/, '');
      for (const o of splitList(options.quota, ',')) {
        if ((o.startsWith('cachepos=') || o.startsWith('cacheneg=')) && readTime(o.slice(9)) < 0) return err(st, `'${o.slice(9)}' bad time value`);
      }
    } else return err(st, `unknown option "${ss}" in ACL condition "verify ${arg}"`);
  }
  if (options.callout?.use_sender && options.callout.use_postmaster) {
    return err(st, 'only one of use_sender and use_postmaster can be set for a recipient callout');
  }

  let address: string;
  if (kind === 'sender') {
    address = senderAddress!;
    // the null sender verifies at once (but, as Exim, through the per-message cache: see verify/index.ts)
    if (address === '' && !st.actx.verify?.address) return 'OK';
  } else if (kind === 'recipient') {
    address = st.actx.recipient ?? `${getVar(st, 'local_part') ?? ''}@${getVar(st, 'domain') ?? ''}`;
  } else address = '';

  if (kind === 'header_sender') options.headers = st.actx.headers ?? [];
  // The rewrite rules apply before verification: a sender taken from $sender_address stays rewritten,
  // a recipient is rewritten for the verification only.
  if (address !== '' && (kind === 'recipient' || (kind === 'sender' && first.slice(6).trim() === '')) && st.actx.config.rewrite.length > 0) {
    address = rewriteForVerify(st, address, kind === 'sender' ? 'F' : 'T');
    if (kind === 'sender') {
      setVar(st, 'sender_address', address, true);
      st.actx.msg.senderRewritten = address;
    }
  }
  const hook = st.actx.verify?.address;
  let result: VerifyAddressResult;
  if (!hook) {
    writeLog(st, ['main'], `${kind} verification for <${address}> deferred: address verification not available yet`);
    result = { result: 'defer', message: 'address verification not available yet' };
  } else {
    // (the hook traces Exim's banners around a verification it makes, not around a cached answer)
    result = yield* waitFor(st, `verify\0${kind}\0${address}\0${arg}`, () => hook(address, kind, options));
  }
  let rc: Rc = result.result === 'ok' ? 'OK' : result.result === 'fail' ? 'FAIL' : 'DEFER';
  // Each verification sets (or clears) the failure word of its kind, as Exim does.
  setVar(st, kind === 'recipient' ? 'recipient_verify_failure' : 'sender_verify_failure', result.failure);
  if (result.calloutAddress !== undefined) setVar(st, 'callout_address', result.calloutAddress);
  if (kind === 'recipient') {
    st.logMsg = result.logMessage ?? result.message;
    // a routing defer tells the client only a text meant for it (else Exim's "Temporary local problem")
    st.userMsg = rc === 'DEFER' ? result.userMessage : (result.userMessage ?? result.message);
    if (result.addressData !== undefined) setVar(st, 'address_data', result.addressData, true);
    // A recipient that a callout host accepted gives them (untainted); any other callout verdict clears them.
    if (result.callout) {
      setVar(st, 'domain_data', result.domainData);
      setVar(st, 'local_part_data', result.localPartData);
    }
  } else if (kind === 'sender') {
    if (result.addressData !== undefined) setVar(st, 'sender_address_data', result.addressData, true);
  } else if (rc !== 'OK') {
    st.logMsg = result.message;
    if (returnDetails(st) && !st.userMsg && st.logMsg) st.userMsg = `Rejected after DATA: ${st.logMsg}`;
  }
  if (rc === 'DEFER' && (options.defer_ok || (calloutDeferOk && result.callout === 'defer'))) {
    trace(st, `verify defer overridden by ${options.defer_ok ? 'defer_ok' : 'callout_defer_ok'}`);
    rc = 'OK';
  }
  if (rc !== 'OK' && kind === 'sender') {
    st.logMsg = st.userMsg = rc !== 'DEFER' ? 'Sender verify failed' : result.callout ? 'Could not complete sender verify callout' : 'Could not complete sender verify';
    st.senderVerifyFailure = {
      address, message: result.message, noDetails: !!options.no_details,
      userMessage: result.userMessage, defer: rc === 'DEFER', logDetail: result.cached ? undefined : result.message,
      // the client and log hear of one verification's failure once (a cached result is the same verification)
      source: result, kind: result.senderFailureKind,
    };
  }
  if (rc !== 'OK') {
    st.verifyFailed = kind;
    // Exim's $acl_verify_message is the text meant for the client.
    const verifyMessage = kind === 'sender' ? st.userMsg : (result.userMessage ?? result.message);
    if (verifyMessage !== undefined) setVar(st, 'acl_verify_message', verifyMessage);
  }
  if (rc === 'DEFER' && hook) st.tempDetails = true;
  return rc;
}
