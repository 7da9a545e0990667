// One outbound SMTP connection: a TCP connect with a time limit (from a
// chosen local interface), writing command lines, and reading replies
// (multi-line ones included) each with its own time limit; optionally a
// TLS layer put on after STARTTLS. The command dialogue (EHLO, MAIL,
// RCPT...) lives in dialogue.ts; this module knows nothing of commands.
//
// Wire text is latin1 "byte strings" throughout, as on the server side.
// Failures are ClientError with a kind and Exim's wording for the part
// that follows "host [ip] : " in a log line.

import net from 'node:net';
import tls from 'node:tls';

export type ClientErrorKind = 'connect' | 'timeout' | 'closed' | 'malformed' | 'tls';

export class ClientError extends Error {
  override name = 'ClientError';
  readonly kind: ClientErrorKind;
  constructor(kind: ClientErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface SmtpReply {
  code: number;
  /** Each line as received (code and separator included), without the line ending. */
  lines: string[];
}

/** The reply as one text: its lines joined with "\n" (Exim's way of quoting a remote reply). */
export function replyText(r: SmtpReply): string {
  return r.lines.join('\n');
}

export interface ConnectOptions {
  /** The IP address to connect to. */
  address: string;
  port: number;
  /** Connection time limit in milliseconds. */
  timeoutMs: number;
  /** The local address to connect from (the transport's `interface`). */
  localAddress?: string;
  /** Debug trace lines (Exim's "  SMTP<< ..." etc.). */
  trace?(line: string): void;
}

const MAX_LINE = 16 * 1024;

/** A readable name for a connect error code, as strerror would give it. */
function connectErrorText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED': return 'Connection refused';
    case 'ETIMEDOUT': return 'Connection timed out';
    case 'EHOSTUNREACH': return 'No route to host';
    case 'ENETUNREACH': return 'Network is unreachable';
    case 'EADDRNOTAVAIL': return 'Cannot assign requested address';
    case 'ECONNRESET': return 'Connection reset by peer';
    default: return e.message;
  }
}

export class SmtpConnection {
  private socket: net.Socket | tls.TLSSocket;
  private buf = '';
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly traceFn: ((line: string) => void) | undefined;
  readonly address: string;
  readonly port: number;
  /** Set once STARTTLS has succeeded. */
  tlsCipher: string | undefined;

  private constructor(socket: net.Socket, opts: ConnectOptions) {
    this.socket = socket;
    this.address = opts.address;
    this.port = opts.port;
    this.traceFn = opts.trace;
    this.listen(socket);
  }

  /** Connect within the time limit; a ClientError ('connect' or 'timeout') otherwise. */
  static connect(opts: ConnectOptions): Promise<SmtpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.address, port: opts.port, localAddress: opts.localAddress });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ClientError('timeout', 'Connection timed out'));
      }, opts.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new SmtpConnection(socket, opts));
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ClientError('connect', connectErrorText(e)));
      });
    });
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.poke();
    });
    socket.on('end', () => {
      this.ended = true;
      this.poke();
    });
    socket.on('close', () => {
      this.ended = true;
      this.poke();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.failure ??= new ClientError('closed', connectErrorText(e));
      this.poke();
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  trace(line: string): void {
    this.traceFn?.(line);
  }

  /** Write command lines in one packet (a pipelined group when several); each traced. */
  send(...commands: string[]): void {
    commands.forEach((c, i) => this.trace(`  SMTP${i < commands.length - 1 ? '|>' : '>>'} ${c}`));
    if (this.socket.writable) this.socket.write(commands.map((c) => `${c}\r\n`).join(''), 'latin1');
  }

  /**
   * The next complete reply. A reply line is three digits then "-" (more to
   * come), " " or the end of the line. ClientError 'timeout' when none comes
   * in time, 'closed' when the server hangs up first, 'malformed' for a line
   * that is not a reply line.
   */
  async readReply(timeoutMs: number): Promise<SmtpReply> {
    const until = Date.now() + timeoutMs;
    const lines: string[] = [];
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        const m = /^(\d{3})([- ]|$)/.exec(line);
        if (!m || (lines.length > 0 && Number(m[1]) !== Number(lines[0].slice(0, 3)))) {
          throw new ClientError('malformed', `Malformed SMTP reply (${line === '' ? 'an empty line' : `"${line}"`})`);
        }
        lines.push(line);
        if (m[2] !== '-') {
          this.trace(`  SMTP<< ${lines.join('\n         ')}`);
          return { code: Number(m[1]), lines };
        }
        continue;
      }
      if (this.buf.length > MAX_LINE) throw new ClientError('malformed', 'Malformed SMTP reply (line too long)');
      if (this.failure) throw this.failure;
      if (this.ended) throw new ClientError('closed', 'Remote host closed connection');
      const left = until - Date.now();
      if (left <= 0) throw new ClientError('timeout', 'SMTP timeout');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /**
   * Put TLS on the connection (after the server's 220 to STARTTLS). Any
   * plaintext the server sent after its 220 is dropped, as it must not be
   * trusted. Certificates are not required to verify (opportunistic TLS).
   */
  async startTls(opts: { servername?: string; timeoutMs: number; tlsOptions?: tls.ConnectionOptions }): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    this.buf = '';
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        socket: plain, rejectUnauthorized: false,
        servername: opts.servername && net.isIP(opts.servername) === 0 ? opts.servername : undefined,
        ...opts.tlsOptions,
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ClientError('timeout', 'SMTP timeout while negotiating TLS'));
      }, opts.timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: Error) => {
        clearTimeout(timer);
        reject(new ClientError('tls', `TLS session: ${e.message}`));
      });
    });
    this.socket = secure;
    this.ended = false;
    this.tlsCipher = secure.getCipher()?.standardName;
    this.listen(secure);
  }

  /** Close the connection (traced as Exim does). */
  close(): void {
    this.trace('  SMTP(close)>>');
    this.socket.end();
    this.socket.destroy();
  }

  get isTls(): boolean {
    return this.tlsCipher !== undefined;
  }
}
