// One SMTP session: its state, the command loop and the reply writer. The
// commands themselves live in one file per family (helo.ts, mail.ts,
// rcpt.ts, data.ts, bdat.ts, simple.ts, verify.ts, auth-command.ts); they
// receive the session and change its state.

import os from 'node:os';
import type { AclConnectionState, AclMessageState } from '../../acl/types.ts';
import { newConnectionState, newMessageState } from '../../acl/types.ts';
import type { ServerAuthenticator } from '../../auth/types.ts';
import type { Config } from '../../config/types.ts';
import { expandStringAsync } from '../../expand/index.ts';
import type { ExpandContext } from '../../expand/context.ts';
import { matchHostList } from '../../lists/host.ts';
import { matchDomainList, newListCache, setListTracer, traceOptionUnset } from '../../lists/index.ts';
import type { LogPeer } from '../../log/host.ts';
import type { Recipient } from '../../mail/message.ts';
import { AsyncMemo, runSuspendable } from '../../util/suspend.ts';
import { sessionExpandContext, setTextVar, setVar } from './context.ts';
import { BatchAbort, batchReply, newBatchState, type BatchState } from './batch.ts';
import { SessionInput, type CommandLine } from './input.ts';
import { byteStringLogger, textToBytes } from './log-text.ts';
import { optString, optTimeMs } from './options.ts';
import { newNonmailState, type NonmailState } from './nonmail.ts';
import { resetRcptDelay, type SessionRateLimits } from './rate-limit.ts';
import type { Writable } from 'node:stream';
import type { TlsInfo } from '../../tls/index.ts';
import type { ConnectionInfo, SessionLogger, SmtpIo, SmtpServices } from './types.ts';

/** What MAIL's parameters asked for. */
export interface MailParams {
  size?: number;
  body?: '7BIT' | '8BITMIME';
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  smtputf8: boolean;
  authSender?: string;
  prdr: boolean;
}

/** Extensions offered in the last EHLO response. */
export interface Advertised {
  size: boolean;
  eightBitMime: boolean;
  pipelining: boolean;
  chunking: boolean;
  dsn: boolean;
  smtputf8: boolean;
  prdr: boolean;
  starttls: boolean;
  /** PIPECONNECT (early pipelining) was offered. */
  pipeConnect?: boolean;
  auth: ServerAuthenticator[];
}

export const NOTHING_ADVERTISED: Advertised = {
  size: false, eightBitMime: false, pipelining: false, chunking: false, dsn: false, smtputf8: false, prdr: false,
  starttls: false, auth: [],
};

/** Lines without an id of their own get the -bh session's current message id, as Exim's do. */
function withHostCheckId(logger: SessionLogger, currentId: () => string | undefined): SessionLogger {
  const withId = <T extends { id?: string }>(opts: T | undefined): T | undefined =>
    opts?.id === undefined && currentId() !== undefined ? { ...opts, id: currentId() } as T : opts;
  return {
    get selector() { return logger.selector; },
    main: (text, opts) => logger.main(text, withId(opts)),
    reject: (text, opts) => logger.reject(text, withId(opts)),
    panic: (text, opts) => logger.panic(text, withId(opts)),
    messageLog: logger.messageLog,
  };
}

/** Thrown by a command to end the session (QUIT, drop, too many errors). */
export class SessionEnd extends Error {
  override name = 'SessionEnd';
}

/** Facts about one command that the next may depend on. */
export interface CommandFlags {
  /** A MAIL that was refused, or a RCPT pipelined after one. */
  rejectedMail: boolean;
  /** A RCPT refused for want of a sender, not pipelined after a refused MAIL (no "valid RCPT"). */
  rcptWithoutSender: boolean;
}

export class SmtpSession {
  readonly io: SmtpIo;
  readonly conn: ConnectionInfo;
  readonly services: SmtpServices;
  readonly config: Config;
  readonly logger: SessionLogger;
  readonly input: SessionInput;
  /** Where replies go: the connection, or its TLS layer after STARTTLS. */
  output: Writable;
  /** Close the connection (TLS first, when active). */
  closeTransport: () => void;
  /** The TLS handshake's facts, when TLS is active. */
  tlsInfo: TlsInfo | undefined;
  readonly ctx: ExpandContext;
  readonly aclConn: AclConnectionState;
  aclMsg: AclMessageState;
  readonly startedAt: number;
  /** The name used in replies ($smtp_active_hostname). */
  hostname = '';

  // HELO/EHLO
  heloName: string | undefined;
  /** A HELO/EHLO was accepted; a later rejected one clears the name but not this (as Exim). */
  heloSeen = false;
  esmtp = false;
  advertised: Advertised = NOTHING_ADVERTISED;
  // transaction
  sender: string | undefined;
  mailParams: MailParams = { smtputf8: false, prdr: false };
  recipients: Recipient[] = [];
  rcptCount = 0;
  rcptFailCount = 0;
  rcptDeferCount = 0;
  /** The answer to the transaction's first RCPT (for "All RCPT commands were rejected"): an ACL's text, else the reply line. */
  lastRcptRejection: string | undefined;
  /** A later RCPT got another answer than the first. */
  rcptAnswersDiffer = false;
  /** What the previous command and this one were, for Exim's leniency with pipelined clients (server.ts rolls them over). */
  prevCmdFlags: CommandFlags = { rejectedMail: false, rcptWithoutSender: false };
  cmdFlags: CommandFlags = { rejectedMail: false, rcptWithoutSender: false };
  /** BDAT: 'none', in the middle of a chunked message, or failed (only RSET now). */
  chunking: 'none' | 'chunks' | 'failed' = 'none';
  /** A message's bytes collected over BDAT chunks. */
  bdatChunks: Buffer[] = [];
  bdatSize = 0;
  /** Line ends in the BDAT data so far (for the "total" of the last chunk's reply). */
  bdatLines = 0;
  // counters
  synprotErrors = 0;
  unknownCommands = 0;
  messagesReceived = 0;
  /**
   * The client may pipeline from the banner on (it is in pipelining_connect_advertise_hosts) and has
   * not yet sent DATA or BDAT: as in Exim, commands are read without the synchronisation check then.
   */
  pipeConnectAcceptable = false;
  /** A failure Exim would have died of ended the session (see log/panic-die.ts). */
  fatal = false;
  /** MAIL commands of the connection (smtp_ratelimit_mail). */
  mailCount = 0;
  /** smtp_accept_max_nonmail bookkeeping. */
  readonly nonmail: NonmailState = newNonmailState();
  /** smtp_ratelimit_mail / smtp_ratelimit_rcpt, when the client matches smtp_ratelimit_hosts. */
  rateLimits: SessionRateLimits = {};
  /** The commands of the connection for "C=" of the no-MAIL line. */
  readonly history: string[] = [];
  mailSeen = false;
  /** The session authenticated with this authenticator. */
  authenticatedBy: ServerAuthenticator | undefined;
  authenticatedId: string | undefined;
  authenticatedIdTainted = false;
  tlsActive = false;
  /** TLS has just started: the tls authenticator (if any) runs before the next command. */
  tlsAuthDue = false;
  /** A hosts_proxy client sent no valid PROXY header: only QUIT is accepted (proxy-protocol.ts). */
  proxyFailed = false;
  /** An XCLIENT succeeded: later ones need no hosts_xclient match, nor ADDR/PORT (xclient.ts). */
  xclientSession = false;
  /** Whether PIPELINING was used (input pending when we looked). */
  pipeliningUsed = false;
  receiveTimeoutMs = 300_000;
  /** Discard everything from MAIL's ACL: recipients are accepted and thrown away. */
  mailDiscarded = false;
  discardedRecipients = false;
  /** The end of the session has been logged/replied to. */
  ended = false;
  /** -bS: line numbers and the first error. */
  readonly batch: BatchState = newBatchState();

  private out: string[] = [];
  /**
   * -bh: the id of the last accepted (not really queued) message. Exim keeps
   * it until the next message starts, and its log lines show it.
   */
  hostCheckMessageId: string | undefined;

  constructor(io: SmtpIo, conn: ConnectionInfo, services: SmtpServices) {
    this.io = io;
    this.conn = conn;
    this.services = services;
    this.config = services.config;
    const logger = byteStringLogger(services.logger);
    this.logger = conn.kind === 'host-check' ? withHostCheckId(logger, () => this.hostCheckMessageId) : logger;
    this.input = new SessionInput(io.input);
    this.output = io.output;
    this.closeTransport = () => io.close?.();
    this.tlsInfo = undefined;
    this.ctx = sessionExpandContext(services.config);
    // -bh: list checks report themselves in the trace, as Exim's do.
    if (services.trace) setListTracer(this.ctx, { write: services.trace, level: 0, shared: { leak: 0 } });
    this.aclConn = newConnectionState(conn.remoteAddress !== undefined ? { address: conn.remoteAddress } : undefined);
    this.aclMsg = newMessageState();
    this.startedAt = this.now();
    this.initVariables();
  }

  now(): number {
    return this.services.now?.() ?? Date.now();
  }

  get isLocal(): boolean {
    return this.conn.remoteAddress === undefined;
  }

  get isBatch(): boolean {
    return this.conn.kind === 'batch';
  }

  get isHostCheck(): boolean {
    return this.conn.kind === 'host-check';
  }

  /** Synchronisation is checked only on real sockets (Exim: not for -bs/-bh). */
  get checksSync(): boolean {
    return this.conn.kind === 'tcp';
  }

  private initVariables(): void {
    const c = this.conn;
    if (c.remoteAddress !== undefined) {
      setVar(this.ctx, 'sender_host_address', c.remoteAddress);
      setVar(this.ctx, 'sender_host_port', String(c.remotePort ?? 0));
      setVar(this.ctx, 'host_address', c.remoteAddress);
    }
    if (c.localAddress !== undefined) {
      setVar(this.ctx, 'received_ip_address', c.localAddress);
      setVar(this.ctx, 'interface_address', c.localAddress);
    }
    if (c.localPort !== undefined) {
      setVar(this.ctx, 'received_port', String(c.localPort));
      setVar(this.ctx, 'interface_port', String(c.localPort));
    }
    if (c.ident !== undefined) setVar(this.ctx, 'sender_ident', c.ident, true);
    else if (this.isLocal) setVar(this.ctx, 'sender_ident', c.caller.login);
    setVar(this.ctx, 'received_protocol', this.protocolName());
    setVar(this.ctx, 'caller_uid', String(c.caller.uid));
    setVar(this.ctx, 'caller_gid', String(c.caller.gid));
  }

  /** The log's view of the peer. */
  peer(): LogPeer {
    const c = this.conn;
    return {
      address: c.remoteAddress,
      port: c.remotePort,
      heloName: this.heloName,
      ident: c.ident ?? (this.isLocal ? c.caller.login : undefined),
      interfaceAddress: c.localAddress,
      interfacePort: c.localPort,
      connectionId: c.connectionId,
      name: this.aclConn.host?.name,
    };
  }

  /** $received_protocol: smtp/esmtp with s (TLS) and a (authenticated); local- for -bs. */
  protocolName(): string {
    // AUTH implies ESMTP, even after HELO (allow_auth_unadvertised): Exim says esmtpa then.
    const esmtp = this.esmtp || this.authenticatedBy !== undefined;
    let p = esmtp ? 'esmtp' : 'smtp';
    if (esmtp) {
      if (this.tlsActive) p += 's';
      if (this.authenticatedBy) p += 'a';
    }
    if (this.isBatch) return 'local-bsmtp';
    if (this.isLocal) p = `local-${p}`;
    // RFC 6531's names; Exim 4.98 puts "utf8" in front of the whole name ("utf8local-esmtp")
    return esmtp && this.mailParams.smtputf8 ? `utf8${p}` : p;
  }

  // ---- output ----

  /** Queue a reply line (without CRLF). Batched SMTP shows only errors. */
  send(line: string): void {
    if (this.isBatch) {
      // A batch has no replies; its first error ends it (batch.ts).
      if (line[0] !== '4' && line[0] !== '5') return;
      const b = this.batch;
      b.error ??= { reply: batchReply(line.slice(0, 3) + ' ' + line.slice(4)), transactionStart: b.transactionStart, line: b.lines, command: b.command };
      throw new BatchAbort(line);
    }
    this.out.push(line + '\r\n');
  }

  /** -bh's "****" notices: plain lines on the reply stream, in order with the replies. */
  notice(line: string): void {
    this.out.push(line + '\n');
  }

  sendLines(lines: readonly string[]): void {
    for (const l of lines) this.send(l);
  }

  /** Turn the last queued reply line into a continuation ("503 x" → "503-x"); returns its code. */
  continueLastReply(): string | undefined {
    const i = this.out.length - 1;
    if (i < 0) return undefined;
    if (this.out[i][3] === ' ') this.out[i] = this.out[i].slice(0, 3) + '-' + this.out[i].slice(4);
    return /^\d{3}/.exec(this.out[i])?.[0];
  }

  /** Write what is queued. */
  flush(): void {
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    try {
      this.output.write(Buffer.from(text, 'latin1'));
    } catch {
      // the peer is gone; the read side will notice
    }
  }

  /** A "****" notice of -bh (and the trace of the ACL engine) go to the trace sink. */
  trace(line: string): void {
    this.services.trace?.(line);
  }

  // ---- input ----

  /** Read the next command line, flushing replies first when nothing is pending (pipelining). */
  async readCommand(): Promise<CommandLine | null> {
    if (!this.input.pendingInput()) this.flush();
    const line = await this.input.readLine(this.receiveTimeoutMs);
    if (this.isBatch && line) {
      this.batch.lines++;
      this.batch.command = line.text;
    }
    return line;
  }

  // ---- configuration helpers ----

  /** Expand a main option; undefined when unset or empty. Expansion failure throws. */
  async expandOption(name: string): Promise<string | undefined> {
    const raw = optString(this.config, name);
    if (raw === undefined || raw === '') return undefined;
    return expandStringAsync(raw, this.ctx);
  }

  /** Answers of host-list options that Exim checks once per connection (checkHostListOnce). */
  private readonly hostListAnswers = new Map<string, boolean>();

  /** Does the client match a host-list option? Unset lists match nothing. */
  async hostInList(optionName: string): Promise<boolean> {
    const known = this.hostListAnswers.get(optionName);
    if (known !== undefined) return known;
    const text = await this.listOptionText(optionName);
    if (text === undefined) {
      traceOptionUnset(this.ctx, 'host', optionName);
      return false;
    }
    const host = this.aclConn.host ?? {};
    const cache = (this.aclConn.hostListCache ??= newListCache());
    const r = await runSuspendable(this.ctx.memo, () => matchHostList(host, text, this.ctx, { label: optionName, cache }));
    return r.result === 'ok';
  }

  /** The kept answer of checkHostListOnce for this option, if it was checked. */
  hostListAnswer(optionName: string): boolean | undefined {
    return this.hostListAnswers.get(optionName);
  }

  /** Check a host-list option now and keep the answer for the rest of the connection. */
  async checkHostListOnce(optionName: string): Promise<boolean> {
    const r = await this.hostInList(optionName);
    this.hostListAnswers.set(optionName, r);
    return r;
  }

  /** Is `domain` in a domain-list option? */
  async domainInList(domain: string, optionName: string): Promise<boolean> {
    const text = await this.listOptionText(optionName);
    if (text === undefined) {
      traceOptionUnset(this.ctx, domain, optionName);
      return false;
    }
    const r = await runSuspendable(this.ctx.memo, () => matchDomainList(domain, text, this.ctx, { label: optionName }));
    return r.result === 'ok';
  }

  /** A list option, expanded (lists are expanded when used); undefined when unset or forced to fail. */
  private async listOptionText(optionName: string): Promise<string | undefined> {
    const raw = optString(this.config, optionName);
    if (raw === undefined || !raw.includes('$')) return raw;
    try {
      return await expandStringAsync(raw, this.ctx);
    } catch {
      return undefined;
    }
  }

  // ---- transaction state ----

  /** Forget the current transaction (RSET, HELO/EHLO, end of a message). */
  resetTransaction(): void {
    this.batch.transactionStart = this.batch.lines;
    this.sender = undefined;
    this.mailParams = { smtputf8: false, prdr: false };
    this.recipients = [];
    this.rcptCount = 0;
    this.rcptFailCount = 0;
    this.rcptDeferCount = 0;
    this.lastRcptRejection = undefined;
    this.rcptAnswersDiffer = false;
    this.chunking = 'none';
    this.bdatChunks = [];
    this.bdatSize = 0;
    this.bdatLines = 0;
    this.mailDiscarded = false;
    this.discardedRecipients = false;
    resetRcptDelay(this.rateLimits);
    this.aclMsg = newMessageState();
    // Answers fetched for waiting expansions (DNS, sockets, verification) last one message:
    // a long session neither grows without bound nor reuses stale answers (the resolver has its own TTL cache).
    this.ctx.memo = new AsyncMemo();
    for (const k of [...this.ctx.vars.keys()]) if (k.startsWith('acl_m')) this.ctx.vars.delete(k);
    for (const n of ['sender_address', 'sender_address_domain', 'sender_address_local_part', 'authenticated_sender', 'message_id', 'message_exim_id', 'prdr_requested', 'recipients',
      // a message's malware verdict does not carry over (the $spam_* variables do, in Exim 4.98)
      'malware_name']) {
      this.ctx.vars.delete(n);
    }
    setVar(this.ctx, 'rcpt_count', '0');
    setVar(this.ctx, 'recipients_count', '0');
    this.ctx.headers = undefined;
    this.ctx.body = undefined;
  }

  /** Wait ms milliseconds (rate limiting); a client that hangs up ends the wait. */
  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    if (this.conn.kind === 'tcp') await this.input.sleepUnlessEnded(ms);
    else await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The receive timeout: smtp_receive_timeout expanded (0 = none). */
  async loadTimeout(): Promise<void> {
    const raw = optString(this.config, 'smtp_receive_timeout');
    if (raw === undefined) { this.receiveTimeoutMs = optTimeMs(this.config, 'smtp_receive_timeout', 300_000); return; }
    const text = raw.includes('$') ? await expandStringAsync(raw, this.ctx) : raw;
    const secs = parseTimeText(text);
    this.receiveTimeoutMs = secs < 0 ? 300_000 : secs * 1000;
  }

  /** The host name in replies: smtp_active_hostname expanded, else primary_hostname. */
  async loadHostname(): Promise<void> {
    let name: string | undefined;
    try {
      name = await this.expandOption('smtp_active_hostname');
    } catch {
      name = undefined;
    }
    const primary = optString(this.config, 'primary_hostname') || os.hostname();
    // replies are byte strings; the name is expander text
    this.hostname = textToBytes(name || primary);
    if (name) setTextVar(this.ctx, 'smtp_active_hostname', name);
  }
}

/** Exim time text ("5m", "1h30m", "30") in seconds; -1 when malformed. */
export function parseTimeText(s: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  let total = 0;
  const re = /(\d+)([wdhms])/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * { w: 604800, d: 86400, h: 3600, m: 60, s: 1 }[m[2] as 'w']!;
    pos = re.lastIndex;
  }
  return pos === t.length && t.length > 0 ? total : -1;
}
