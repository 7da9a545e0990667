// Serializer of the -H file (spec, chapter "Format of spool files").
//
// Items are written in the order Exim 4.98 writes them, and any item tern
// does not interpret (Message.otherItems) is put back at its usual place, so
// that a file read from Exim's spool and written again comes out unchanged.

import type { Message, Recipient, SpoolVar } from '../mail/message.ts';

/** Exim's order of the "-name" items of a -H file (names tern does not model included). */
export const ITEM_ORDER: readonly string[] = [
  'received_time_usec',
  'received_time_complete',
  'helo_name',
  'host_address',
  'host_name',
  'host_auth',
  'host_auth_pubname',
  'interface_address',
  'active_hostname',
  'ident',
  'received_protocol',
  'acl', // ACL variables: -aclc, then -aclm
  'spool_file_wireformat', // written instead of body_linecount
  'body_linecount',
  'max_received_linelength',
  'body_zerocount',
  'auth_id',
  'auth_sender',
  'allow_unqualified_recipient',
  'allow_unqualified_sender',
  'deliver_firsttime',
  'frozen',
  'N',
  'host_lookup_deferred',
  'host_lookup_failed',
  'local',
  'localerror',
  'local_scan',
  'spam_bar',
  'spam_score',
  'spam_score_int',
  'bmi_verdicts',
  'manual_thaw',
  'sender_set_untrusted',
  'tls_certificate_verified',
  'tls_cipher',
  'tls_ourcert',
  'tls_peercert',
  'tls_peerdn',
  'tls_sni',
  'tls_ocsp',
  'tls_resumption',
  'tls_ver',
  'smtputf8',
  'utf8_downcvt',
  'dsn_envid',
  'dsn_ret',
];
const ORDER_INDEX = new Map(ITEM_ORDER.map((n, i) => [n, i]));

/** DSN NOTIFY bits as Exim keeps them in the recipient lines. */
export const DSN_LASTHOP = 0x01;
export const DSN_NOTIFY_BITS: ReadonlyArray<[string, number]> = [
  ['NEVER', 0x02],
  ['SUCCESS', 0x04],
  ['FAILURE', 0x08],
  ['DELAY', 0x10],
];

export function dsnFlagsOf(r: Recipient): number {
  let flags = r.dsnLastHop ? DSN_LASTHOP : 0;
  for (const word of (r.dsnNotify ?? '').split(',')) {
    const bit = DSN_NOTIFY_BITS.find(([n]) => n === word.trim().toUpperCase());
    if (bit) flags |= bit[1];
  }
  return flags;
}

/** Bytes of a message string: byte strings as they are, wider characters as UTF-8. */
export function spoolBytes(s: string): Buffer {
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1');
}

/** Name of a raw "-name value" item line, without taint marker or quoter. */
export function itemName(line: string): string {
  const m = /^--?(?:\([^)]*\))?([^ ]+)/.exec(line);
  return m ? m[1] : line;
}

function hostAndPort(addr: string, port: number | undefined): string {
  return `[${addr}]:${port ?? 0}`;
}

/** Non-recipients as Exim's tree: nodes in preorder, each "YN"-style line saying whether left/right branches follow. */
function treeLines(addresses: string[]): string[] {
  const sorted = [...new Set(addresses)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 0) return ['XX'];
  const out: string[] = [];
  // Root at the lower middle: for sorted insertions this is the shape Exim's balanced tree takes for small sets.
  const walk = (lo: number, hi: number): void => {
    const mid = lo + Math.floor((hi - lo) / 2);
    out.push(`${mid > lo ? 'Y' : 'N'}${mid < hi ? 'Y' : 'N'} ${sorted[mid]}`);
    if (mid > lo) walk(lo, mid - 1);
    if (mid < hi) walk(mid + 1, hi);
  };
  walk(0, sorted.length - 1);
  return out;
}

function recipientLine(r: Recipient): string {
  const flags = dsnFlagsOf(r);
  const plain = r.parent === undefined && !r.errorsTo && flags === 0 && !r.orcpt;
  if (plain) return r.address;
  const orcpt = r.orcpt ?? '';
  const errorsTo = r.errorsTo ?? '';
  const len = (s: string) => spoolBytes(s).length;
  return `${r.address} ${orcpt} ${len(orcpt)},${flags} ${errorsTo} ${len(errorsTo)},${r.parent ?? -1}#3`;
}

/** Render the -H file of a message. */
export function formatHeaderFile(msg: Message): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(spoolBytes(s));

  text(`${msg.id}-H\n${msg.owner.login} ${msg.owner.uid} ${msg.owner.gid}\n<${msg.sender}>\n${msg.receivedTime} ${msg.warningCount}\n`);

  const tainted = new Set(msg.taintedItems ?? (msg.local || !msg.hostAddress ? [] : ['helo_name']));
  const items: Array<{ order: number; seq: number; lines: () => void }> = [];
  const add = (name: string, value?: string) => {
    const prefix = tainted.has(name) ? '--' : '-';
    const line = value === undefined ? `${prefix}${name}\n` : `${prefix}${name} ${value}\n`;
    items.push({ order: ORDER_INDEX.get(name) ?? ITEM_ORDER.length, seq: items.length, lines: () => text(line) });
  };
  const flag = (name: string, on: boolean) => { if (on) add(name); };
  const opt = (name: string, v: string | number | undefined) => { if (v !== undefined) add(name, String(v)); };

  if (msg.receivedTimeUsec !== undefined) add('received_time_usec', `.${String(msg.receivedTimeUsec).padStart(6, '0')}`);
  opt('helo_name', msg.heloName);
  if (msg.hostAddress !== undefined) add('host_address', hostAndPort(msg.hostAddress, msg.hostPort));
  opt('host_name', msg.hostName);
  opt('host_auth', msg.hostAuth);
  opt('host_auth_pubname', msg.hostAuthPubname);
  if (msg.interfaceAddress !== undefined) add('interface_address', hostAndPort(msg.interfaceAddress, msg.interfacePort));
  opt('active_hostname', msg.activeHostname);
  flag('host_lookup_failed', msg.hostLookupFailed);
  opt('ident', msg.ident);
  opt('received_protocol', msg.receivedProtocol);
  items.push({ order: ORDER_INDEX.get('acl')!, seq: items.length, lines: () => {
    const aclVar = (kind: string, name: string, v: SpoolVar) => {
      const value = spoolBytes(v.value);
      const q = v.quoter !== undefined ? `(${v.quoter})` : '';
      text(`-${v.tainted ? '-' : ''}${q}${kind} ${name} ${value.length}\n`);
      parts.push(value);
      text('\n');
    };
    for (const [name, v] of msg.aclC) aclVar('aclc', name, v);
    for (const [name, v] of msg.aclM) aclVar('aclm', name, v);
  } });
  if (!msg.spoolFileWireformat) add('body_linecount', String(msg.bodyLinecount));
  if (msg.bodyZerocount > 0) add('body_zerocount', String(msg.bodyZerocount));
  opt('auth_id', msg.authId);
  opt('auth_sender', msg.authSender);
  flag('deliver_firsttime', msg.deliverFirsttime);
  opt('frozen', msg.frozenAt);
  flag('N', msg.dontDeliver);
  flag('manual_thaw', msg.manualThaw);
  flag('local', msg.local);
  flag('localerror', msg.localError);
  opt('local_scan', msg.localScan);
  opt('spam_bar', msg.spamBar);
  opt('spam_score', msg.spamScore);
  opt('spam_score_int', msg.spamScoreInt);
  flag('tls_certificate_verified', msg.tlsCertificateVerified);
  opt('tls_cipher', msg.tlsCipher);
  opt('tls_peerdn', msg.tlsPeerdn);
  opt('tls_sni', msg.tlsSni);
  opt('tls_ocsp', msg.tlsOcsp);
  flag('smtputf8', msg.smtputf8);
  opt('dsn_envid', msg.dsnEnvid);
  if (msg.dsnRet) add('dsn_ret', msg.dsnRet === 'FULL' ? '1' : '2');
  flag('spool_file_wireformat', msg.spoolFileWireformat);
  flag('sender_set_untrusted', msg.senderSetUntrusted);
  for (const raw of msg.otherItems) {
    items.push({ order: ORDER_INDEX.get(itemName(raw)) ?? ITEM_ORDER.length, seq: items.length, lines: () => text(raw + '\n') });
  }
  items.sort((a, b) => a.order - b.order || a.seq - b.seq);
  for (const it of items) it.lines();

  text(treeLines(msg.nonRecipients).join('\n') + '\n');
  text(`${msg.recipients.length}\n`);
  for (const r of msg.recipients) text(recipientLine(r) + '\n');
  text('\n');
  for (const h of msg.headers) {
    const body = spoolBytes(h.text);
    text(`${String(body.length).padStart(3, '0')}${h.flag} `);
    parts.push(body);
  }
  return Buffer.concat(parts);
}
