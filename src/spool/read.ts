// Reader of the -H and -D files, the inverse of format.ts. Tolerant of what
// Exim writes: items tern does not interpret are kept verbatim in otherItems,
// tainted ("--") and quoted ("-(name)") items, -aclc/-aclm with their
// length-counted values (and the obsolete numbered -acl), the non-recipients
// tree, extended recipient lines, and both host_address forms
// ("[addr]:port" from Exim 4.98, "addr.port" from older releases).

import fs from 'node:fs';
import { emptyMessage, type HeaderFlag, type Message, type Recipient } from '../mail/message.ts';
import { DSN_LASTHOP, DSN_NOTIFY_BITS } from './format.ts';

export class SpoolFormatError extends Error {
  override name = 'SpoolFormatError';
}

/** A cursor over the bytes of a spool file; strings come out as byte strings. */
class Cursor {
  pos = 0;
  private readonly buf: Buffer;
  private readonly file: string;
  constructor(buf: Buffer, file: string) {
    this.buf = buf;
    this.file = file;
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  fail(what: string): never {
    throw new SpoolFormatError(`${this.file}: format error in spool file: ${what}`);
  }
  line(what: string): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail(`unterminated ${what}`);
    const s = this.buf.toString('latin1', this.pos, nl);
    this.pos = nl + 1;
    return s;
  }
  bytes(n: number, what: string): string {
    if (this.pos + n > this.buf.length) this.fail(`truncated ${what}`);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  peek(): number {
    return this.buf[this.pos];
  }
}

function parseHostPort(v: string): { address: string; port?: number } {
  const bracketed = /^\[([^\]]*)\]:(\d+)$/.exec(v);
  if (bracketed) return { address: bracketed[1], port: Number(bracketed[2]) };
  const dotted = /^(.*)\.(\d+)$/.exec(v);
  if (dotted) return { address: dotted[1], port: Number(dotted[2]) };
  return { address: v };
}

function notifyOf(flags: number): string | undefined {
  const words = DSN_NOTIFY_BITS.filter(([, bit]) => flags & bit).map(([n]) => n);
  return words.length ? words.join(',') : undefined;
}

/** One recipient line: plain, or "addr orcpt len,dsnflags errors_to len,parent#flags". */
export function parseRecipientLine(line: string): Recipient {
  const m = /^(.*) (\d+),(-?\d+)#(\d+)$/s.exec(line);
  if (!m) return { address: line };
  const flags = Number(m[4]);
  let rest = m[1];
  const r: Recipient = { address: '' };
  if (flags & 1) {
    const len = Number(m[2]);
    const parent = Number(m[3]);
    const errorsTo = rest.slice(rest.length - len);
    rest = rest.slice(0, rest.length - len);
    if (!rest.endsWith(' ')) return { address: line };
    rest = rest.slice(0, -1);
    if (errorsTo) r.errorsTo = errorsTo;
    if (parent >= 0) r.parent = parent;
    if (flags & 2) {
      const d = /^(.*) (\d+),(\d+)$/s.exec(rest);
      if (!d) return { address: line };
      const olen = Number(d[2]);
      const dsn = Number(d[3]);
      const before = d[1];
      const orcpt = before.slice(before.length - olen);
      rest = before.slice(0, before.length - olen);
      if (!rest.endsWith(' ')) return { address: line };
      rest = rest.slice(0, -1);
      if (orcpt) r.orcpt = orcpt;
      const notify = notifyOf(dsn);
      if (notify) r.dsnNotify = notify;
      if (dsn & DSN_LASTHOP) r.dsnLastHop = true;
    }
  }
  r.address = rest;
  return r;
}

/** Parse the bytes of a -H file. */
export function parseHeaderFile(buf: Buffer, file = '-H file'): Message {
  const c: Cursor = new Cursor(buf, file);
  const first = c.line('name line');
  const idm = /^(.+)-H$/.exec(first);
  if (!idm) c.fail(`first line is "${first}", not "<id>-H"`);
  const msg = emptyMessage(idm[1]);
  msg.deliverFirsttime = false;

  const owner = /^(.*) (-?\d+) (-?\d+)$/.exec(c.line('owner line'));
  if (!owner) c.fail('bad owner line');
  msg.owner = { login: owner[1], uid: Number(owner[2]), gid: Number(owner[3]) };
  const sender = c.line('sender line');
  if (!sender.startsWith('<') || !sender.endsWith('>')) c.fail('sender not in angle brackets');
  msg.sender = sender.slice(1, -1);
  const times = /^(\d+) (\d+)$/.exec(c.line('time line'));
  if (!times) c.fail('bad time line');
  msg.receivedTime = Number(times[1]);
  msg.warningCount = Number(times[2]);

  const tainted: string[] = [];
  while (!c.done && c.peek() === 0x2d /* - */) {
    const raw = c.line('item');
    const m = /^-(-)?(?:\(([^)]*)\))?([^ ]+)(?: (.*))?$/s.exec(raw);
    if (!m) c.fail(`bad item "${raw}"`);
    const isTainted = m[1] === '-';
    const quoter = m[2];
    const name = m[3];
    const value = m[4];
    if (name === 'aclc' || name === 'aclm' || name === 'acl') {
      const am = /^(\S+) (\d+)$/.exec(value ?? '');
      if (!am) c.fail(`bad ACL variable item "${raw}"`);
      const data = c.bytes(Number(am[2]), 'ACL variable');
      if (c.line('ACL variable end') !== '') c.fail(`ACL variable ${am[1]} longer than its length`);
      let map = name === 'aclm' ? msg.aclM : msg.aclC;
      let varName = am[1];
      if (name === 'acl') { // obsolete: 0-9 are acl_c0..9, 10-19 acl_m0..9
        const n = Number(varName);
        map = n >= 10 ? msg.aclM : msg.aclC;
        varName = String(n % 10);
      }
      map.set(varName, { value: data, tainted: isTainted, ...(quoter !== undefined ? { quoter } : {}) });
      continue;
    }
    if (!applyItem(msg, name, value)) {
      msg.otherItems.push(raw);
      continue;
    }
    if (isTainted) tainted.push(name);
  }
  msg.taintedItems = tainted;

  readTree(c, msg.nonRecipients);
  const countLine = c.line('recipient count');
  if (!/^\d+$/.test(countLine)) c.fail(`bad recipient count "${countLine}"`);
  for (let n = Number(countLine); n > 0; n--) msg.recipients.push(parseRecipientLine(c.line('recipient')));
  if (c.line('blank line before headers') !== '') c.fail('no blank line after recipients');

  while (!c.done) {
    const start = c.pos;
    let digits = '';
    while (!c.done && c.peek() >= 0x30 && c.peek() <= 0x39) digits += c.bytes(1, 'header length');
    if (digits === '') { c.pos = start; c.fail('header line without length'); }
    const flag = c.bytes(1, 'header flag');
    if (c.bytes(1, 'header separator') !== ' ') c.fail('no space after header flag');
    msg.headers.push({ flag: flag as HeaderFlag, text: c.bytes(Number(digits), 'header') });
  }
  // The sorted non-recipients make lookups and rewrites independent of the tree's shape.
  msg.nonRecipients.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return msg;
}

/** Read the non-recipients tree (preorder, "YN addr" lines, or "XX" when empty). */
function readTree(c: Cursor, out: string[]): void {
  const line = c.line('non-recipients tree');
  if (line === 'XX') return;
  const walk = (l: string): void => {
    const m = /^([YN])([YN]) (.*)$/s.exec(l);
    if (!m) c.fail(`bad non-recipients tree line "${l}"`);
    out.push(m[3]);
    if (m[1] === 'Y') walk(c.line('non-recipients tree'));
    if (m[2] === 'Y') walk(c.line('non-recipients tree'));
  };
  walk(line);
}

/** Set the Message field of one known item; false for items kept verbatim. */
function applyItem(msg: Message, name: string, value: string | undefined): boolean {
  const v = value ?? '';
  switch (name) {
    case 'received_time_usec': {
      const m = /^\.(\d+)$/.exec(v);
      if (!m) return false;
      msg.receivedTimeUsec = Number(m[1]);
      return true;
    }
    case 'helo_name': msg.heloName = v; return true;
    case 'host_address': case 'interface_address': {
      const hp = parseHostPort(v);
      if (name === 'host_address') { msg.hostAddress = hp.address; msg.hostPort = hp.port; }
      else { msg.interfaceAddress = hp.address; msg.interfacePort = hp.port; }
      return true;
    }
    case 'host_name': msg.hostName = v; return true;
    case 'host_auth': msg.hostAuth = v; return true;
    case 'host_auth_pubname': msg.hostAuthPubname = v; return true;
    case 'host_lookup_failed': msg.hostLookupFailed = true; return true;
    case 'active_hostname': msg.activeHostname = v; return true;
    case 'ident': msg.ident = v; return true;
    case 'received_protocol': msg.receivedProtocol = v; return true;
    case 'body_linecount': msg.bodyLinecount = Number(v); return /^\d+$/.test(v);
    case 'body_zerocount': msg.bodyZerocount = Number(v); return /^\d+$/.test(v);
    case 'auth_id': msg.authId = v; return true;
    case 'auth_sender': msg.authSender = v; return true;
    case 'deliver_firsttime': msg.deliverFirsttime = true; return true;
    case 'frozen': msg.frozenAt = Number(v) || 0; return true;
    case 'N': msg.dontDeliver = true; return true;
    case 'manual_thaw': msg.manualThaw = true; return true;
    case 'local': msg.local = true; return true;
    case 'localerror': msg.localError = true; return true;
    case 'local_scan': msg.localScan = v; return true;
    case 'spam_bar': msg.spamBar = v; return true;
    case 'spam_score': msg.spamScore = v; return true;
    case 'spam_score_int': msg.spamScoreInt = v; return true;
    case 'tls_certificate_verified': msg.tlsCertificateVerified = true; return true;
    case 'tls_cipher': msg.tlsCipher = v; return true;
    case 'tls_peerdn': msg.tlsPeerdn = v; return true;
    case 'tls_sni': msg.tlsSni = v; return true;
    case 'tls_ocsp': msg.tlsOcsp = Number(v); return /^\d+$/.test(v);
    case 'smtputf8': msg.smtputf8 = true; return true;
    case 'dsn_envid': msg.dsnEnvid = v; return true;
    case 'dsn_ret':
      if (v === '1') msg.dsnRet = 'FULL';
      else if (v === '2') msg.dsnRet = 'HDRS';
      else return false;
      return true;
    case 'spool_file_wireformat': msg.spoolFileWireformat = true; return true;
    case 'sender_set_untrusted': msg.senderSetUntrusted = true; return true;
    default: return false;
  }
}

/** Read a -H file. queueName is not in the file: it is the queue whose directory holds it. */
export function readHeaderFile(path: string, queueName = ''): Message {
  const msg = parseHeaderFile(fs.readFileSync(path), path);
  msg.queueName = queueName;
  return msg;
}

export async function readHeaderFileAsync(path: string, queueName = ''): Promise<Message> {
  const msg = parseHeaderFile(await fs.promises.readFile(path), path);
  msg.queueName = queueName;
  return msg;
}

/** Length of a -D file's first line ("<id>-D\n"): the body starts after it. */
export function dataStartOffset(id: string): number {
  return id.length + 3;
}

/** The body of a message from its -D file (without the name line), checked against the expected id. */
export function readDataFile(path: string, id?: string): Buffer {
  const buf = fs.readFileSync(path);
  const nl = buf.indexOf(0x0a);
  const name = nl < 0 ? '' : buf.toString('latin1', 0, nl);
  if (!name.endsWith('-D') || (id !== undefined && name !== `${id}-D`)) {
    throw new SpoolFormatError(`${path}: format error in spool file: first line is not "${id ?? '<id>'}-D"`);
  }
  return buf.subarray(nl + 1);
}
