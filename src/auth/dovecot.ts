// The dovecot authenticator, server side: the SASL exchange is relayed to
// Dovecot's auth-client socket (protocol version 1). Each AUTH opens its own
// connection: Dovecot greets with VERSION, MECH, SPID, CUID, COOKIE, DONE;
// tern sends VERSION, CPID and one AUTH request, then relays CONT lines
// both ways until Dovecot answers OK (with user=) or FAIL. Dovecot's
// challenges are passed to the client as they are (already base64), and the
// client's answers go back unchanged. Problems with the socket or protocol
// defer the AUTH (435) with Exim's texts in the log.
//
// server_socket is a Unix socket path, or (Exim 4.99, experimental there)
// "host port" for an inet listener.

import type net from 'node:net';
import type { DriverInstance } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { decodeBytes } from '../expand/operators/bytes.ts';
import { connectScanner, parseScannerAddress, ScanSocketError } from '../scan/socket.ts';
import { checkServerCondition, driverOption, GenericServer, setAuthVars, withSetId } from './common.ts';
import type { AuthIo, AuthOutcome } from './types.ts';

/** Exim's connect timeout for the auth socket. */
const CONNECT_TIMEOUT_MS = 5000;
/** Exim waits for Dovecot without limit; tern stops waiting after this long (a password backend may be slow). */
const ANSWER_TIMEOUT_MS = 60_000;
/** Dovecot's documented longest line. */
const MAX_LINE = 8192;

const PROTOCOL_ERROR = 'authentication socket protocol error';
const READ_ERROR = 'authentication socket read error or premature eof';

class DovecotTrouble extends Error {}

/** Reads the socket's lines one by one (LF ended, bytes kept as received). */
class LineReader {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** The next line without its LF; throws DovecotTrouble at EOF, timeout or an over-long line. */
  async next(timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lf = this.buffered.indexOf(0x0a);
      if (lf >= 0 && lf < MAX_LINE - 1) {
        const line = this.buffered.subarray(0, lf);
        this.buffered = this.buffered.subarray(lf + 1);
        return line;
      }
      if (lf >= 0 || this.buffered.length >= MAX_LINE - 1) throw new DovecotTrouble('authentication socket protocol line too long');
      if (this.ended) throw new DovecotTrouble(READ_ERROR);
      const left = deadline - Date.now();
      if (left <= 0) throw new DovecotTrouble(READ_ERROR);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

/** A protocol line's TAB-separated fields, as byte strings. */
function fields(line: Buffer): string[] {
  return line.toString('latin1').split('\t');
}

/** Exim's check of a line's command name (caseless) and its number of arguments. */
function expect(f: readonly string[], name: string, min: number, max: number): void {
  const args = f.length - 1;
  if (f[0].toUpperCase() !== name || args < min || args > max) throw new DovecotTrouble(PROTOCOL_ERROR);
}

/** The value of the first user= parameter, decoded as an expansion string. */
function userParameter(f: readonly string[]): string | undefined {
  const p = f.slice(2).find((x) => x.startsWith('user='));
  return p === undefined ? undefined : decodeBytes(Buffer.from(p.slice(5), 'latin1'));
}

/** $auth1 from Dovecot's answer: Dovecot vouches for it, so (as in Exim) it is not tainted. */
function setUser(ctx: ExpandContext, user: string): void {
  setAuthVars(ctx, []);
  ctx.vars.set('auth1', { value: user, tainted: false });
}

export class DovecotServer extends GenericServer {
  readonly implemented = true;
  private readonly socketSpec: string;

  constructor(inst: DriverInstance) {
    super(inst);
    this.socketSpec = driverOption(inst, 'server_socket') ?? '';
  }

  /** A dovecot instance is a server when server_socket is set. */
  static isServer(inst: DriverInstance): boolean {
    return driverOption(inst, 'server_socket') !== undefined;
  }

  async serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome> {
    setAuthVars(ctx, []);
    let outcome: AuthOutcome;
    try {
      outcome = await this.converse(io, initialResponse ?? '', ctx);
    } catch (e) {
      if (!(e instanceof DovecotTrouble) && !(e instanceof ScanSocketError)) throw e;
      outcome = { result: 'defer', message: e.message };
    }
    if (outcome.result === 'ok') outcome = await checkServerCondition(this.generic.serverCondition, ctx);
    return withSetId(outcome, this.generic.setId, ctx);
  }

  private async converse(io: AuthIo, data: string, ctx: ExpandContext): Promise<AuthOutcome> {
    const address = parseScannerAddress(this.socketSpec);
    if (!address) throw new DovecotTrouble(`invalid socket '${this.socketSpec}'`);
    const { socket } = await connectScanner(address, CONNECT_TIMEOUT_MS);
    try {
      const lines = new LineReader(socket);
      await this.handshake(lines);
      // The data is base64 and cannot hold a TAB; Exim fails rather than send one.
      if (data.includes('\t')) return { result: 'fail' };
      socket.write(Buffer.from(this.authRequest(data, ctx), 'latin1'));
      return await this.relay(io, socket, lines, ctx);
    } finally {
      socket.destroy();
    }
  }

  /** Read Dovecot's greeting up to DONE, checking the version and that our mechanism is offered. */
  private async handshake(lines: LineReader): Promise<void> {
    let mechanismOffered = false;
    let sawMech = false;
    for (;;) {
      const f = fields(await lines.next(ANSWER_TIMEOUT_MS));
      switch (f[0]) {
        case 'VERSION':
          expect(f, 'VERSION', 2, 2);
          if (Number.parseInt(f[1], 10) !== 1) throw new DovecotTrouble('authentication socket protocol version mismatch');
          break;
        case 'MECH':
          expect(f, 'MECH', 1, Infinity);
          sawMech = true;
          if (f[1].toUpperCase() === this.publicName) mechanismOffered = true;
          break;
        case 'SPID':
          // auth-master and auth-userdb sockets say VERSION and SPID but never MECH.
          if (!sawMech) throw new DovecotTrouble('authentication socket type mismatch (connected to auth-master instead of auth-client)');
          break;
        case 'DONE':
          expect(f, 'DONE', 0, 0);
          if (!mechanismOffered) throw new DovecotTrouble(`Dovecot did not advertise mechanism "${this.publicName}" to us`);
          return;
      }
    }
  }

  /**
   * VERSION, CPID and the AUTH request (id 1). "secured" when the session
   * is under TLS or the client is this host, "valid-client-cert" when its
   * certificate was verified; rip/lip read "NULL" when unknown (-bs), as
   * Exim prints them.
   */
  private authRequest(data: string, ctx: ExpandContext): string {
    const v = (name: string): string | undefined => ctx.vars.get(name)?.value;
    let extra = '';
    if (v('tls_in_cipher')) extra = v('tls_in_certificate_verified') === '1' ? 'secured\tvalid-client-cert\t' : 'secured\t';
    else if (v('interface_address') !== undefined && v('interface_address') === v('sender_host_address')) extra = 'secured\t';
    return `VERSION\t1\t0\nCPID\t${process.pid}\n`
      + `AUTH\t1\t${this.publicName}\tservice=smtp\t${extra}rip=${v('sender_host_address') ?? 'NULL'}\tlip=${v('interface_address') ?? 'NULL'}\tnologin\tresp=${data}\n`;
  }

  /** Relay Dovecot's CONT challenges to the client until OK or FAIL. */
  private async relay(io: AuthIo, socket: net.Socket, lines: LineReader, ctx: ExpandContext): Promise<AuthOutcome> {
    for (;;) {
      const f = fields(await lines.next(ANSWER_TIMEOUT_MS));
      if (f[1] === undefined || Number.parseInt(f[1], 10) !== 1) throw new DovecotTrouble('authentication socket connection id mismatch');
      switch (f[0].charAt(0).toUpperCase()) {
        case 'C': {
          expect(f, 'CONT', 1, 2);
          const answer = await io.challenge(f[2] ?? '');
          if (answer === null) return { result: 'cancelled' };
          if (answer.includes('\t')) return { result: 'fail' };
          socket.write(Buffer.from(`CONT\t1\t${answer}\n`, 'latin1'));
          break;
        }
        case 'F': {
          expect(f, 'FAIL', 1, Infinity);
          const user = userParameter(f);
          if (user !== undefined) setUser(ctx, user);
          return { result: 'fail' };
        }
        case 'O': {
          expect(f, 'OK', 2, Infinity);
          const user = userParameter(f);
          if (user === undefined) throw new DovecotTrouble('authentication socket protocol error, username missing');
          setUser(ctx, user);
          return { result: 'ok' };
        }
        default:
          throw new DovecotTrouble(PROTOCOL_ERROR);
      }
    }
  }
}
