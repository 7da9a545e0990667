// The header fix-ups of chapter "Message processing": what Exim removes,
// replaces and adds when it accepts a message. Local messages (not over
// TCP/IP) and submission-mode messages get Message-ID, From, Sender and Date
// fixed up unless suppress_local_fixups is set; every message loses
// Return-path, Envelope-to and Delivery-date (as the *_remove options say).
// Removed lines stay in the list flagged '*', as in Exim's -H file.

import type { HeaderLine } from '../mail/message.ts';
import { headerFlag, headerName, headerValue, isResentHeader } from '../mail/headers.ts';
import { fixPhrase } from '../mail/phrase.ts';
import { extractAddress } from '../expand/operators/address.ts';
import { encodeBytes, decodeBytes } from '../expand/operators/bytes.ts';
import type { Origin } from './types.ts';

export interface FixupSettings {
  messageId: string;
  /** Envelope sender; a created Sender: replaces it (returned in FixupResult). */
  sender: string;
  qualifyDomain: string;
  /** message_id_header_domain / _text, already expanded ('' when unset or forced to fail). */
  messageIdDomain: string;
  messageIdText: string;
  primaryHostname: string;
  returnPathRemove: boolean;
  envelopeToRemove: boolean;
  deliveryDateRemove: boolean;
  localFromCheck: boolean;
  localSenderRetain: boolean;
  /** local_from_prefix / local_from_suffix as lists of affixes ("*" wildcards allowed). */
  localFromPrefixes: string[];
  localFromSuffixes: string[];
  headersCharset: string;
  /** Date: text (tod_full of the arrival). */
  date: string;
  /** headers[0] is the Received: line reception added. */
  receivedAdded: boolean;
}

export interface FixupResult {
  headers: HeaderLine[];
  /** The envelope sender after fix-ups (a created Sender: becomes the return path). */
  sender: string;
}

const bytes = (s: string): string => encodeBytes(s).toString('latin1');
const text = (s: string): string => decodeBytes(Buffer.from(s, 'latin1'));

function lname(h: HeaderLine): string {
  return (headerName(h.text) ?? '').toLowerCase();
}

/** The working address of a header's first mailbox, or undefined. */
function headerAddress(h: HeaderLine): string | undefined {
  const v = text(headerValue(h.text)).replace(/\n/g, '').trim();
  const r = extractAddress(v, false, { allowGroup: true, foundGroup: false });
  return 'error' in r ? undefined : r.address;
}

/** A local-part prefix matches: exactly, or with a leading "*" standing for any run of characters. */
function prefixMatches(prefix: string, affix: string): boolean {
  return affix.startsWith('*') ? prefix.endsWith(affix.slice(1)) : prefix === affix;
}

/** A suffix matches: exactly, or with a trailing "*" standing for any run of characters. */
function suffixMatches(suffix: string, affix: string): boolean {
  return affix.endsWith('*') ? suffix.startsWith(affix.slice(0, -1)) : suffix === affix;
}

/** Does `local` equal `login` once an allowed prefix and suffix are stripped? */
export function localPartMatches(local: string, login: string, prefixes: string[], suffixes: string[]): boolean {
  const pre = prefixes.length ? prefixes : [''];
  const suf = suffixes.length ? suffixes : [''];
  if (login === '') return false;
  for (let idx = local.indexOf(login); idx >= 0; idx = local.indexOf(login, idx + 1)) {
    const before = local.slice(0, idx);
    const after = local.slice(idx + login.length);
    if (pre.some((p) => prefixMatches(before, p)) && suf.some((x) => suffixMatches(after, x))) return true;
  }
  return false;
}

function quoteLocalPart(lp: string): string {
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(lp) && !lp.startsWith('.') && !lp.endsWith('.') && !lp.includes('..')
    ? lp : '"' + lp.replace(/(["\\])/g, '\\$1') + '"';
}

/** Apply the fix-ups to the parsed header lines (Received: already first). */
export function applyFixups(headersIn: HeaderLine[], origin: Origin, s: FixupSettings): FixupResult {
  const headers = headersIn.map((h) => ({ ...h }));
  let sender = s.sender;
  const fixups = (origin.local || origin.submission !== undefined) && !origin.suppressLocalFixups;
  const untrustedLocal = origin.local && !origin.caller.trusted && fixups;
  const submission = !origin.local && origin.submission !== undefined && fixups ? origin.submission : undefined;
  const resent = headers.some((h) => h.flag !== '*' && isResentHeader(h.text));
  const prefix = resent ? 'Resent-' : '';
  const login = origin.caller.login;
  const has = (name: string): boolean => headers.some((h) => h.flag !== '*' && lname(h) === name);
  // Where Resent- fix-ups go: right after the Received: line we added.
  const topIndex = s.receivedAdded ? 1 : 0;
  const add = (line: string, atTop = false): HeaderLine => {
    // lines are byte strings: addresses come from the envelope as bytes, the phrase is made bytes below
    const t = line;
    const h: HeaderLine = { text: t, flag: headerFlag(headerName(t) ?? '', resent) };
    if (atTop) headers.splice(topIndex, 0, h);
    else headers.push(h);
    return h;
  };

  // Sender name for constructed From:/Sender: lines.
  let oname = '';
  if (!origin.host) {
    const smtpInput = origin.protocol !== 'local' && origin.protocol.startsWith('local');
    if (!origin.caller.trusted || origin.nameForced || (!smtpInput && !origin.senderForced)) oname = origin.caller.fullName ?? '';
  } else if (submission?.name) {
    oname = submission.name;
  }
  const phrase = oname ? bytes(fixPhrase(oname, s.headersCharset)) : '';
  const withName = (addr: string): string => (phrase ? `${phrase} <${addr}>` : addr);
  const loginAddress = `${quoteLocalPart(login)}@${s.qualifyDomain}`;

  for (const h of headers) {
    if (h.flag === '*') continue;
    const n = lname(h);
    if ((n === 'return-path' && s.returnPathRemove) || (n === 'envelope-to' && s.envelopeToRemove)
      || (n === 'delivery-date' && s.deliveryDateRemove)) {
      h.flag = '*';
    }
  }

  // -t: the recipients came from Bcc: (or Resent-Bcc:), which must not travel on.
  if (origin.extractedRecipients) {
    for (const h of headers) if (h.flag !== '*' && lname(h) === (resent ? 'resent-bcc' : 'bcc')) h.flag = '*';
  }

  // Untrusted local callers (and submission mode) may not supply Sender:.
  const dropSender = (untrustedLocal && !s.localSenderRetain) || (submission !== undefined && !submission.senderRetain);
  if (dropSender) {
    for (const h of headers) if (h.flag !== '*' && (lname(h) === 'sender' || lname(h) === 'resent-sender')) h.flag = '*';
  }

  // Sendmail compatibility: a From: holding just the caller's login is replaced by the full form.
  if (fixups && !origin.host) {
    for (const h of [...headers]) {
      const n = lname(h);
      if (h.flag === '*' || (n !== 'from' && n !== 'resent-from')) continue;
      if (text(headerValue(h.text)).trim() !== login) continue;
      h.flag = '*';
      add(`${n === 'from' ? '' : 'Resent-'}From: ${withName(loginAddress)}\n`);
    }
  }

  if (fixups && !has(`${prefix.toLowerCase()}message-id`)) {
    let local = `E${s.messageId}`;
    if (s.messageIdText) local += '.' + s.messageIdText.replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/g, '-');
    const domain = s.messageIdDomain ? s.messageIdDomain.replace(/[^A-Za-z0-9.-]/g, '-') : s.primaryHostname;
    add(`${prefix}Message-Id: <${local}@${domain}>\n`, resent);
  }

  // From: when missing.
  let fromHeader = headers.find((h) => h.flag !== '*' && lname(h) === `${prefix.toLowerCase()}from`);
  if (fixups && !fromHeader) {
    if (sender === '') {
      // An empty sender given by the caller (-f '<>') gets no From: made up for it.
      if (origin.local && !origin.senderForced) {
        add(`${prefix}From: ${withName(loginAddress)}\n`);
      } else if (submission && origin.auth?.id) {
        fromHeader = add(`${prefix}From: ${withName(submissionAddress(origin.auth.id, submission.domain, s.qualifyDomain))}\n`);
      }
    } else {
      fromHeader = add(`${prefix}From: ${withName(sender)}\n`);
    }
  }

  // Sender: when From: is not the caller (untrusted local) or the authenticated user (submission).
  let created: string | undefined;
  if (untrustedLocal && s.localFromCheck) {
    const from = fromHeader ? headerAddress(fromHeader) : undefined;
    if (!from || !addressIsLocalUser(from, login, s)) created = loginAddress;
  } else if (submission && !submission.senderRetain && origin.auth?.id) {
    const want = submissionAddress(origin.auth.id, submission.domain, s.qualifyDomain);
    const from = fromHeader ? headerAddress(fromHeader) : undefined;
    if (!from || !sameAddress(from, want, s)) created = want;
  }
  if (created !== undefined) {
    add(`${prefix}Sender: ${withName(created)}\n`);
    sender = created;
  }

  if (fixups && !has(`${prefix.toLowerCase()}date`)) add(`${prefix}Date: ${s.date}\n`, resent);

  return { headers, sender };
}

function submissionAddress(id: string, domain: string | undefined, qualifyDomain: string): string {
  if (domain === undefined) return `${quoteLocalPart(id)}@${qualifyDomain}`;
  if (domain === '') return id;
  return `${quoteLocalPart(id)}@${domain}`;
}

function splitAddress(a: string): { local: string; domain: string } {
  const at = a.lastIndexOf('@');
  return at < 0 ? { local: a, domain: '' } : { local: a.slice(0, at), domain: a.slice(at + 1) };
}

function addressIsLocalUser(from: string, login: string, s: FixupSettings): boolean {
  const { local, domain } = splitAddress(from);
  const d = domain === '' ? s.qualifyDomain : domain;
  if (d.toLowerCase() !== s.qualifyDomain.toLowerCase()) return false;
  return localPartMatches(local, login, s.localFromPrefixes, s.localFromSuffixes);
}

function sameAddress(from: string, want: string, s: FixupSettings): boolean {
  const f = splitAddress(from);
  const w = splitAddress(want);
  if (f.domain.toLowerCase() !== w.domain.toLowerCase()) return false;
  return localPartMatches(f.local, w.local, s.localFromPrefixes, s.localFromSuffixes);
}
