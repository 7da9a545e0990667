// The SMTP session's contract with whoever runs it: the daemon (one per
// TCP connection), -bs (stdin/stdout), -bS (batched) and -bh (host check).

import type { Duplex, Readable, Writable } from 'node:stream';
import type { AclContext, AclResult, AclWhere } from '../../acl/types.ts';
import type { ServerAuthenticator } from '../../auth/types.ts';
import type { Config } from '../../config/types.ts';
import type { TlsServer } from '../../tls/index.ts';
import type { ExpandContext } from '../../expand/context.ts';
import type { Message } from '../../mail/message.ts';
import type { LogPipelining } from '../../log/format.ts';
import type { Envelope, Origin } from '../../receive/types.ts';

export interface SmtpIo {
  input: Readable;
  output: Writable;
  /** Close the connection (socket end/destroy); optional for stdin/stdout. */
  close?(): void;
  /** The TCP socket (daemon): TLS is put on it directly. Without one, TLS runs over input+output. */
  socket?: Duplex;
}

export interface ConnectionInfo {
  /** tcp: daemon; local: -bs; host-check: -bh; batch: -bS. */
  kind: 'tcp' | 'local' | 'host-check' | 'batch';
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /** Ci= (Exim uses the pid of the session's process). */
  connectionId?: string | number;
  /** The process that runs the session (owner of spooled files) or the local caller. */
  caller: { login: string; uid: number; gid: number; trusted: boolean };
  /** RFC 1413 identity, if one was obtained. */
  ident?: string;
  /** Current number of TCP connections (for the "SMTP connection from" line). */
  connectionCount?: number;
  /** TLS starts before the banner (tls_on_connect_ports, -tls-on-connect). */
  tlsOnConnect?: boolean;
  /** -bs -oMa/-oMi: the addresses came from the command line, so Exim marks them tainted in -H. */
  addressesFromCommandLine?: boolean;
  /** Messages from this connection are only queued (the daemon's smtp_accept_queue). */
  queueOnly?: boolean;
}

/** The logger the session writes to (a subset of src/log's Logger). */
export interface SessionLogger {
  main(text: string, opts?: { id?: string }): void;
  reject(text: string, opts?: { id?: string; headers?: string[]; mainToo?: boolean }): void;
  panic(text: string, opts?: { id?: string; mainToo?: boolean }): void;
  /** A line of the message's own log (msglog/<id>), when message_logs is on. */
  messageLog?(id: string, text: string): void;
  readonly selector: { has(name: string): boolean };
}

export type AclRunner = (spec: string, where: AclWhere, actx: AclContext) => Promise<AclResult>;

/** Building and durably queuing a received message (src/receive). */
export interface Receiver {
  build(raw: Buffer, envelope: Envelope, origin: Origin, config: Config, ectx: ExpandContext): { message: Message; body: Buffer };
  commit(message: Message, body: Buffer, extra: { chunking: boolean; body8bitmime?: 0 | 7 | 8; pipelining?: LogPipelining; fakeReject?: boolean; prdr?: boolean; dkim?: string; arc?: boolean; proxyLocalAddress?: string }): Promise<void>;
}

export interface SmtpServices {
  config: Config;
  logger: SessionLogger;
  /** The ACL engine; required as soon as an acl_smtp_* option is set. */
  acl?: AclRunner;
  /** Message reception; required to accept a message (not in -bh). */
  receiver?: Receiver;
  authenticators?: ServerAuthenticator[];
  /** Server TLS (src/tls makeTlsServer), shared by the sessions of one configuration. */
  tls?: TlsServer;
  /** -bhc: host checking that makes address verification callouts (-bh skips them). */
  hostCheckCallouts?: boolean;
  /** -bh: where the trace and "****" notices go (stdout gets the replies). */
  trace?(line: string): void;
  /** Clock (tests). */
  now?(): number;
  /** A fresh message id (tests may fix it). */
  newMessageId?(): string;
}
