// Server-side TLS for SMTP: STARTTLS and TLS-on-connect.
//
//   const tlsServer = makeTlsServer(config, ectx);
//   const s = await tlsServer.upgrade(socket, { onConnect, clientHost, ctx, goAhead: '220 TLS go ahead' });
//   setTlsVariables(ctx, s);   // $tls_in_* ; then talk SMTP over s.stream
//
// upgrade() first expands the TLS options for this client and builds (or
// finds) the context; a problem there rejects with TlsSetupError before
// anything is written, so the session can answer STARTTLS with 454. Then,
// in one synchronous step, it throws away any bytes already buffered on the
// socket, writes `goAhead` (if given) and puts the TLS layer on the socket.
//
// Why pipelined plaintext cannot reach the TLS layer or the session:
//  - bytes the session has already read past "STARTTLS\r\n" are in the
//    session's own buffer: the session must drop them (it must also have
//    stopped reading: removed its 'data' listener / paused the socket);
//  - bytes node read from the kernel but nobody consumed sit in the
//    socket's readable buffer: upgrade() drains and drops them (node would
//    otherwise hand them to the TLS layer as handshake data);
//  - the client cannot have sent its ClientHello before seeing "220", and
//    the 220 is written in the same turn of the event loop as the TLS layer
//    is attached, so no read can run in between.
// If the session writes the 220 itself, it must call upgrade() in the same
// synchronous turn (no await between the write and the call) and must not
// pass goAhead; the setup work then happens after the 220, and a setup
// failure can only close the connection.

import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import type { HostSubject } from '../lists/index.ts';
import { secureContextFor, type BuiltContext } from './context.ts';
import { tlsInfoOf, type TlsInfo } from './info.ts';
import { parseOpensslOptions } from './openssl-options.ts';
import {
  expandCertSettings, expandConnectionSettings, isTlsOnConnectPort, tlsAdvertised, TlsSetupError, type ConnectionSettings,
} from './settings.ts';

export { TlsSetupError } from './settings.ts';

export interface ClientHost {
  address: string;
  name?: string;
  /** Exim's text for the host in log lines ("name (helo) [ip]"); default "name [ip]" or "[ip]". */
  fullHost?: string;
}

export interface UpgradeOptions {
  /** TLS on connect (tls_on_connect_ports) rather than after STARTTLS. */
  onConnect: boolean;
  clientHost: ClientHost;
  /** The session's expansion context ($sender_host_address, $received_port, ...); default: makeTlsServer's. */
  ctx?: ExpandContext;
  /** The reply to write just before the handshake starts (STARTTLS: "220 TLS go ahead"); no CRLF. */
  goAhead?: string;
  /** Handshake time limit; default smtp_receive_timeout. 0: none. */
  timeoutMs?: number;
  /**
   * The tls:cert event: called for each certificate of the client's chain, the
   * top first (depth n ... 0, as OpenSSL's verification visits them); true
   * refuses verification.
   */
  certEvent?: (pem: string, depth: number) => Promise<boolean>;
}

/** The client's chain, leaf first, as PEM (each issuer until a self-signed one or the end). */
function peerChain(sock: tls.TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true); c && c.raw && out.length < 16; c = c.issuerCertificate) {
    const pem = new X509Certificate(c.raw).toString();
    if (seen.has(pem)) break;
    seen.add(pem);
    out.push(pem);
  }
  return out;
}

/** Run the tls:cert event over the chain; true when any call refused. */
async function refusedByEvent(sock: tls.TLSSocket, certEvent: UpgradeOptions['certEvent']): Promise<boolean> {
  if (!certEvent) return false;
  const chain = peerChain(sock);
  let refused = false;
  for (let depth = chain.length - 1; depth >= 0; depth--) if (await certEvent(chain[depth], depth)) refused = true;
  return refused;
}

export interface TlsUpgrade extends TlsInfo {
  stream: tls.TLSSocket;
  /** Plaintext bytes found buffered on the socket and thrown away. */
  discardedPlaintext: number;
}

/** The handshake failed; the connection is unusable. logText is Exim's main-log line. */
export class TlsHandshakeError extends Error {
  override name = 'TlsHandshakeError';
  readonly logText: string;
  constructor(message: string, logText: string) {
    super(message);
    this.logText = logText;
  }
}

export interface TlsServer {
  upgrade(socket: net.Socket | Duplex, opts: UpgradeOptions): Promise<TlsUpgrade>;
  /** tls_advertise_hosts for this client. */
  advertise(host: HostSubject, ctx?: ExpandContext): Promise<boolean>;
  /** Is this local port one of tls_on_connect_ports? */
  onConnectPort(port: number): boolean;
}

/** Exim's log line for a TLS failure. */
export function tlsErrorLogText(host: ClientHost | undefined, action: string, message: string): string {
  const who = host ? host.fullHost ?? (host.name ? `${host.name} [${host.address}]` : `[${host.address}]`) : undefined;
  return `TLS error on ${who ? `connection from ${who}` : 'connection'} (${action}): ${message}`;
}

/** OpenSSL's error text as ERR_error_string gives it under OpenSSL 3: "error:0A00010B:SSL routines::wrong version number". */
export function opensslErrorText(e: Error & { code?: string }): string {
  const m = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:\n]*)/.exec(e.message);
  if (m) return `error:${m[1]}:${m[2]}::${m[3]}`;
  if (e.code === 'ECONNRESET' || /socket disconnected|socket hang up|closed/i.test(e.message)) {
    return 'error:0A000126:SSL routines::unexpected eof while reading';
  }
  return e.message;
}

export function makeTlsServer(config: Config, ectx: ExpandContext): TlsServer {
  const hostname = (): string => optionString(config, 'primary_hostname');
  let opensslOptions: number | TlsSetupError;
  try {
    opensslOptions = parseOpensslOptions(optionString(config, 'openssl_options'));
  } catch (e) {
    opensslOptions = new TlsSetupError('openssl_options', (e as Error).message);
  }
  const receiveTimeout = config.getOption('smtp_receive_timeout');
  const defaultTimeoutMs = receiveTimeout.kind === 'number' ? receiveTimeout.value * 1000 : 300_000;

  async function upgrade(socket: net.Socket | Duplex, opts: UpgradeOptions): Promise<TlsUpgrade> {
    const ctx = opts.ctx ?? ectx;
    const host = opts.clientHost;
    let settings: ConnectionSettings;
    let built: BuiltContext;
    try {
      if (opensslOptions instanceof TlsSetupError) throw opensslOptions;
      ctx.vars.delete('tls_in_sni');
      settings = await expandConnectionSettings(config, { address: host.address, name: host.name }, ctx);
      built = secureContextFor({ settings, cert: settings, opensslOptions, hostname: hostname() });
    } catch (e) {
      if (e instanceof TlsSetupError) {
        const err = new TlsSetupError(e.action, e.message);
        (err as TlsSetupError & { logText?: string }).logText = tlsErrorLogText(host, e.action, e.message);
        throw err;
      }
      throw e;
    }
    const options = opensslOptions as number;

    // --- one synchronous step: drop buffered plaintext, say go ahead, attach TLS ---
    let discarded = 0;
    if (!opts.onConnect && 'read' in socket) {
      socket.pause();
      for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) discarded += (chunk as Buffer).length;
    }
    if (opts.goAhead !== undefined) socket.write(opts.goAhead + '\r\n');

    const facts = { ocspRequested: false, ocspStapled: false, ticketsEnabled: built.ticketsEnabled };
    let current = built;
    // node consults `server` for OCSP stapling; a bare emitter stands in for a tls.Server.
    const fakeServer = new EventEmitter() as EventEmitter & { _sharedCreds?: tls.SecureContext };
    fakeServer._sharedCreds = built.context;
    if (settings.ocspFile !== undefined) {
      fakeServer.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => {
        facts.ocspRequested = true;
        facts.ocspStapled = current.ocspResponse !== undefined;
        cb(null, current.ocspResponse);
      });
    }
    const alpn = settings.alpn;
    const tlsSock = new tls.TLSSocket(socket as net.Socket, {
      isServer: true,
      secureContext: built.context,
      server: fakeServer as unknown as tls.Server,
      requestCert: settings.verify !== 'none',
      rejectUnauthorized: settings.verify === 'require',
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
        if (!settings.sniDependent) return cb(null, built.context);
        ctx.vars.set('tls_in_sni', { value: servername, tainted: true });
        expandCertSettings(config, ctx)
          .then((cert) => {
            current = secureContextFor({ settings, cert, opensslOptions: options, hostname: hostname() });
            fakeServer._sharedCreds = current.context;
            cb(null, current.context);
          })
          .catch((e: Error) => cb(e));
      },
      ...(alpn.length > 0
        ? {
            // Exim declines a client that offers several names or one not in tls_alpn.
            ALPNCallback: ({ protocols }: { protocols: string[] }) =>
              protocols.length === 1 && alpn.some((a) => a.toLowerCase() === protocols[0].toLowerCase()) ? protocols[0] : undefined,
          }
        : {}),
    } as tls.TLSSocketOptions);

    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    return new Promise<TlsUpgrade>((resolve, reject) => {
      let done = false;
      const timer = timeoutMs > 0 ? setTimeout(() => fail(new Error('timed out'), 'timed out'), timeoutMs) : undefined;
      function fail(e: Error, text?: string): void {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        const msg = text ?? opensslErrorText(e as Error & { code?: string });
        tlsSock.on('error', () => {}); // later errors on a dead connection are of no interest
        tlsSock.destroy();
        reject(new TlsHandshakeError(msg, tlsErrorLogText(host, 'SSL_accept', msg)));
      }
      tlsSock.once('error', (e) => fail(e));
      tlsSock.once('close', () => fail(new Error('closed'), opensslErrorText(Object.assign(new Error('closed'), { code: 'ECONNRESET' }))));
      tlsSock.once('secure', () => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        tlsSock.removeAllListeners('close');
        tlsSock.removeAllListeners('error');
        const handle = (tlsSock as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
        const verified = settings.verify === 'none' ? null : handle?.verifyError?.() ?? null;
        void refusedByEvent(tlsSock, settings.verify !== 'none' ? opts.certEvent : undefined).then((refused) => {
          const verr = verified ?? (refused ? new Error('certificate refused by the tls:cert event') : null);
          if (settings.verify === 'require' && verr) {
            // node's verify callback accepts everything and leaves the decision to us
            done = false;
            return fail(verr, 'error:0A000086:SSL routines::certificate verify failed');
          }
          const info = tlsInfoOf(tlsSock, facts, verr ? verr.message : null);
          resolve({ ...info, stream: tlsSock, discardedPlaintext: discarded });
        }, (e: Error) => {
          done = false;
          fail(e);
        });
      });
    });
  }

  return {
    upgrade,
    advertise: (host, ctx) => tlsAdvertised(config, host, ctx ?? ectx),
    onConnectPort: (port) => isTlsOnConnectPort(config, port),
  };
}
