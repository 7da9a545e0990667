// From received bytes to a spool-ready Message: split header and body,
// add Received:, apply the fix-ups, count lines, and set the message
// variables that the DATA / not-SMTP ACLs read.

import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext, VarValue } from '../expand/context.ts';
import { expandString, ForcedFail } from '../expand/index.ts';
import { decodeBytes, byteStringToText } from '../expand/operators/bytes.ts';
import { todFormat } from '../expand/variables.ts';
import { emptyMessage, type HeaderLine, type Message } from '../mail/message.ts';
import { flagHeaders, HeaderLimitError, splitHeaders } from '../mail/headers.ts';
import { placeAmongFixups, rewriteEnvelope, type RewriteEnv } from '../rewrite/index.ts';
import { selectorFromConfig } from '../log/config.ts';
import { newMessageId } from '../spool/message-id.ts';
import { applyFixups } from './fixups.ts';
import { buildReceivedHeader, senderRcvhost } from './received.ts';
import { ReceiveError, type Envelope, type Origin } from './types.ts';

function numberOption(config: Config, name: string): number {
  const v = config.getOption(name);
  return v.kind === 'number' ? v.value : Number(optionString(config, name)) || 0;
}

function boolOption(config: Config, name: string): boolean {
  const v = config.getOption(name);
  return v.kind === 'bool' ? v.value : false;
}

/** An expanded option, '' when unset, empty or forced to fail. */
function expandedOption(config: Config, name: string, ectx: ExpandContext): string {
  const text = optionString(config, name);
  if (text === '') return '';
  try {
    return expandString(text, ectx);
  } catch (e) {
    if (e instanceof ForcedFail) return '';
    throw new Error(`failed to expand ${name}: ${(e as Error).message}`, { cause: e });
  }
}

function affixList(config: Config, name: string): string[] {
  const t = optionString(config, name);
  return t === '' ? [] : t.split(':').map((x) => x.trim()).filter((x) => x !== '');
}

const tainted = (value: string): VarValue => ({ value, tainted: true });
const clean = (value: string): VarValue => ({ value, tainted: false });

/** The session variables the Received: expansion and the ACLs read. */
export function setOriginVars(ectx: ExpandContext, origin: Origin): void {
  const v = ectx.vars;
  v.set('received_protocol', clean(origin.protocol));
  const h = origin.host;
  if (h) {
    v.set('sender_host_address', clean(h.address));
    v.set('sender_host_port', clean(String(h.port)));
    if (h.name !== undefined) v.set('sender_host_name', clean(h.name));
    if (h.ident !== undefined) v.set('sender_ident', tainted(byteStringToText(h.ident)));
    const rcv = senderRcvhost(origin);
    if (rcv !== undefined) v.set('sender_rcvhost', tainted(byteStringToText(rcv)));
  } else if (origin.ident !== undefined || origin.local) {
    v.set('sender_ident', clean(origin.ident ?? origin.caller.login));
  }
  const helo = h?.helo ?? origin.helo;
  if (helo !== undefined) v.set('sender_helo_name', tainted(byteStringToText(helo)));
  if (origin.iface) {
    v.set('interface_address', clean(origin.iface.address));
    v.set('interface_port', clean(String(origin.iface.port)));
    v.set('received_ip_address', clean(origin.iface.address));
    v.set('received_port', clean(String(origin.iface.port)));
  }
  if (origin.auth?.id !== undefined) v.set('authenticated_id', tainted(byteStringToText(origin.auth.id)));
  if (origin.auth?.sender !== undefined) v.set('authenticated_sender', tainted(byteStringToText(origin.auth.sender)));
  if (origin.auth?.name !== undefined) v.set('sender_host_authenticated', clean(origin.auth.name));
  const t = origin.tls;
  if (t?.cipher !== undefined) { v.set('tls_in_cipher', clean(t.cipher)); v.set('tls_cipher', clean(t.cipher)); }
  if (t?.cipherStd !== undefined) v.set('tls_in_cipher_std', clean(t.cipherStd));
  if (t?.version !== undefined) v.set('tls_in_ver', clean(t.version));
  if (t?.peerdn !== undefined) v.set('tls_in_peerdn', tainted(t.peerdn));
  if (t?.sni !== undefined) v.set('tls_in_sni', tainted(t.sni));
  if (t?.verified) v.set('tls_in_certificate_verified', clean('1'));
}

interface BodyStats {
  lines: number;
  zeros: number;
  maxLine: number;
}

function bodyStats(body: Buffer, headers: string[]): BodyStats {
  let lines = 0;
  let zeros = 0;
  let maxLine = 0;
  let start = 0;
  // line by line with the native search (a byte loop in JS showed in the profile)
  for (let nl = body.indexOf(0x0a); nl >= 0; nl = body.indexOf(0x0a, start)) {
    lines++;
    if (nl - start > maxLine) maxLine = nl - start;
    start = nl + 1;
  }
  for (let z = body.indexOf(0); z >= 0; z = body.indexOf(0, z + 1)) zeros++;
  for (const h of headers) {
    for (const l of h.split('\n')) if (l.length > maxLine) maxLine = l.length;
  }
  return { lines, zeros, maxLine };
}

export interface BuildOptions {
  /** Check message_size_limit (SMTP checks it while reading; default true). */
  checkSize?: boolean;
  /** Longest line as received (before line-end conversion), when the reader knows it. */
  maxLineLength?: number;
  /** Where rewriting logs, with the message's id: failures to the panic log, +address_rewrite lines to the main log. */
  rewriteLog?: (line: string, id: string, log: 'panic' | 'main') => void;
}

/**
 * Build a Message from its received bytes (header and body with Unix line
 * ends, dot-unstuffed). Throws ReceiveError for limit violations.
 */
export function buildMessage(raw: Buffer, envelope: Envelope, origin: Origin, config: Config, ectx: ExpandContext,
  opts: BuildOptions = {}): { message: Message; body: Buffer } {
  let id = envelope.id;
  let timeMicros = origin.timeMicros;
  if (id === undefined) {
    const ln = expandedOption(config, 'localhost_number', ectx);
    const issued = newMessageId({ localhostNumber: ln === '' ? undefined : Number(ln) });
    id = issued.id;
    timeMicros ??= issued.timeMicros;
  }
  timeMicros ??= BigInt(Date.now()) * 1000n;
  const arrival = new Date(Number(timeMicros / 1000n));

  let split;
  try {
    split = splitHeaders(raw, { maxSize: numberOption(config, 'header_maxsize'), maxLineSize: numberOption(config, 'header_line_maxsize') });
  } catch (e) {
    if (e instanceof HeaderLimitError) {
      throw new ReceiveError(552, `Message header not CRLF terminated or too long`, e.message);
    }
    throw e;
  }
  let body = raw.subarray(split.bodyOffset);
  if (body.length > 0 && body[body.length - 1] !== 0x0a) body = Buffer.concat([body, Buffer.from('\n')]);

  if (opts.checkSize ?? true) {
    const limitText = expandedOption(config, 'message_size_limit', ectx);
    const limit = parseSize(limitText);
    if (limit > 0 && raw.length > limit) {
      throw new ReceiveError(552, 'Message size exceeds maximum permitted', `message too big: read=${raw.length} max=${limit}`);
    }
  }

  // the rewrite rules, once the header is in: recipients, sender, then the headers (src/rewrite/reception.ts)
  const rewriteEnv: RewriteEnv = {
    ctx: ectx,
    qualifyRecipient: optionString(config, 'qualify_recipient') || optionString(config, 'qualify_domain') || optionString(config, 'primary_hostname'),
    log: (line) => opts.rewriteLog?.(line, id, 'panic'),
    logRewrite: opts.rewriteLog && selectorFromConfig(config).has('address_rewrite') ? (line) => opts.rewriteLog?.(line, id, 'main') : undefined,
  };
  // unqualified header addresses are qualified in local messages (not with -bnq), and from hosts allowed
  // to send unqualified senders (From:, Sender:, Reply-To:) or recipients (To:, Cc:, Bcc:)
  const localQualify = origin.local && !origin.host && !origin.noQualify;
  const qualifySender = optionString(config, 'qualify_domain') || optionString(config, 'primary_hostname');
  const headerQualify = localQualify || origin.unqualifiedSenderHost || origin.unqualifiedRecipientHost
    ? {
      sender: localQualify || origin.unqualifiedSenderHost ? qualifySender : undefined,
      recipient: localQualify || origin.unqualifiedRecipientHost ? rewriteEnv.qualifyRecipient : undefined,
    }
    : undefined;
  const rewritten = rewriteEnvelope(envelope.sender, envelope.recipients, config.rewrite, rewriteEnv, envelope.senderRewritten);
  // the fix-ups see the headers and sender as given; the headers are rewritten after them, as exim4 does
  const givenSender = envelope.sender;
  envelope = { ...envelope, sender: rewritten.sender, recipients: rewritten.recipients };

  const v = ectx.vars;
  setOriginVars(ectx, origin);
  v.set('message_exim_id', clean(id));
  v.set('message_id', clean(id));
  v.set('sender_address', tainted(byteStringToText(envelope.sender)));
  v.set('recipients_count', clean(String(envelope.recipients.length)));
  v.set('received_time', clean(String(Number(timeMicros / 1_000_000n))));
  if (envelope.recipients.length === 1) v.set('received_for', tainted(byteStringToText(envelope.recipients[0].address)));
  else v.delete('received_for');

  const received = buildReceivedHeader(config, ectx, arrival);
  const parsed = flagHeaders(split.headers);
  const headers: HeaderLine[] = received !== undefined ? [{ text: received, flag: 'P' }, ...parsed] : parsed;

  const fixed = applyFixups(headers, origin, {
    messageId: id,
    sender: givenSender,
    qualifyDomain: optionString(config, 'qualify_domain'),
    messageIdDomain: expandedOption(config, 'message_id_header_domain', ectx),
    messageIdText: expandedOption(config, 'message_id_header_text', ectx),
    primaryHostname: optionString(config, 'primary_hostname'),
    returnPathRemove: boolOption(config, 'return_path_remove'),
    envelopeToRemove: boolOption(config, 'envelope_to_remove'),
    deliveryDateRemove: boolOption(config, 'delivery_date_remove'),
    localFromCheck: boolOption(config, 'local_from_check'),
    localSenderRetain: boolOption(config, 'local_sender_retain'),
    localFromPrefixes: affixList(config, 'local_from_prefix'),
    localFromSuffixes: affixList(config, 'local_from_suffix'),
    headersCharset: optionString(config, 'headers_charset') || 'UTF-8',
    date: todFormat('full', arrival),
    receivedAdded: received !== undefined,
  });

  const stats = bodyStats(body, split.headers);
  const m = emptyMessage(id);
  m.owner = { login: origin.caller.login, uid: origin.caller.uid, gid: origin.caller.gid };
  m.sender = fixed.sender === givenSender ? envelope.sender : fixed.sender;
  m.receivedTime = Number(timeMicros / 1_000_000n);
  m.receivedTimeUsec = Number(timeMicros % 1_000_000n);
  m.recipients = envelope.recipients.map((r) => ({ ...r }));
  m.headers = placeAmongFixups(headers, fixed.headers, rewritten, config.rewrite, rewriteEnv, headerQualify);
  m.bodyLinecount = stats.lines;
  m.bodyZerocount = stats.zeros;
  m.receivedProtocol = origin.protocol;
  if (origin.host) {
    m.hostAddress = origin.host.address;
    m.hostPort = origin.host.port;
    m.hostName = origin.host.name;
    m.heloName = origin.host.helo;
    m.ident = origin.host.ident;
  } else {
    m.heloName = origin.helo;
    m.ident = origin.ident ?? (origin.local ? origin.caller.login : undefined);
  }
  if (origin.iface) {
    m.interfaceAddress = origin.iface.address;
    m.interfacePort = origin.iface.port;
  }
  m.authId = origin.auth?.id;
  m.authSender = origin.auth?.sender;
  m.hostAuth = origin.auth?.name;
  m.hostAuthPubname = origin.auth?.publicName;
  if (origin.tls) {
    m.tlsCipher = origin.tls.cipher;
    m.tlsPeerdn = origin.tls.peerdn;
    m.tlsSni = origin.tls.sni;
    m.tlsCertificateVerified = origin.tls.verified ?? false;
  }
  m.otherItems.push(`-max_received_linelength ${Math.max(stats.maxLine, opts.maxLineLength ?? 0)}`);
  // Exim 4.98 records the TLS resumption state of every message, as 'A' plus its flag bits ('A': none)
  m.otherItems.push(`-tls_resumption ${String.fromCharCode(0x41 + ((origin.tls?.resumption ?? 0) & 0x1f))}`);
  if (origin.local && !origin.host && !origin.noQualify) {
    m.otherItems.push('-allow_unqualified_recipient', '-allow_unqualified_sender');
  }

  setMessageVars(ectx, m, body);
  return { message: m, body };
}

/** Size of the message as Exim counts it: live header lines, the blank line, the body. */
export function messageSize(m: Message, bodyLength: number): number {
  let n = 1 + bodyLength;
  for (const h of m.headers) if (h.flag !== '*') n += h.text.length;
  return n;
}

/** $message_size, $message_linecount, $body_linecount, $h_*: for the DATA / not-SMTP ACLs. */
export function setMessageVars(ectx: ExpandContext, m: Message, body: Buffer): void {
  const live = m.headers.filter((h) => h.flag !== '*');
  let headerLines = 0;
  for (const h of live) for (let i = 0; i < h.text.length; i++) if (h.text.charCodeAt(i) === 10) headerLines++;
  const v = ectx.vars;
  v.set('message_size', clean(String(messageSize(m, body.length))));
  v.set('message_body_size', clean(String(body.length)));
  v.set('body_linecount', clean(String(m.bodyLinecount)));
  v.set('body_zerocount', clean(String(m.bodyZerocount)));
  v.set('message_linecount', clean(String(headerLines + 1 + m.bodyLinecount)));
  v.set('sender_address', tainted(byteStringToText(m.sender)));
  ectx.headers = live.map((h) => decodeBytes(Buffer.from(h.text, 'latin1')));
  ectx.body = decodeBytes(body);
}

/** message_size_limit's value: a number with an optional K/M/G suffix; 0 means no limit. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(text);
  if (!m) return 0;
  const mult = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}
