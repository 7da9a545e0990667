// Talking to a scanner daemon: connect to a Unix socket or a TCP host and
// port (a port range is tried in order), send a request, read the answer.
// Failures are ScanSocketError with the texts Exim logs for them, and the
// address connected to is given as Exim's $callout_address shows it
// ("[ip]:port", or the socket's path).

import net from 'node:net';
import { strerror } from '../expand/strerror.ts';

export class ScanSocketError extends Error {}

/** Where a scanner listens: a Unix socket path, or a host with a port range. */
export type ScannerAddress = { path: string } | { host: string; ports: [number, number] };

export interface Connected {
  socket: net.Socket;
  /** $callout_address: "[ip]:port" or the socket path. */
  calloutAddress: string;
}

/** "host port" or "host lo-hi" (or a path starting with "/"); undefined when malformed. */
export function parseScannerAddress(spec: string): ScannerAddress | undefined {
  const s = spec.trim();
  if (s.startsWith('/')) return { path: s };
  const m = /^(\S+)\s+(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  if (lo > 65535 || hi > 65535 || hi < lo) return undefined;
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), ports: [lo, hi] };
}

const earlyErrors = new WeakMap<net.Socket, Error>();

function connectOnce(opts: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(opts);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      // an error before exchange() listens (while the caller reads the file) must not go unheard
      sock.on('error', (e) => earlyErrors.set(sock, e));
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    });
  });
}

/** Connect (each port of a range in turn, as Exim does); throws ScanSocketError with Exim's text. */
export async function connectScanner(addr: ScannerAddress, timeoutMs: number): Promise<Connected> {
  if ('path' in addr) {
    try {
      return { socket: await connectOnce({ path: addr.path }, timeoutMs), calloutAddress: addr.path };
    } catch (e) {
      throw new ScanSocketError(`unable to connect to UNIX socket (${addr.path}): ${strerror(e)}`);
    }
  }
  let last: unknown;
  for (let port = addr.ports[0]; port <= addr.ports[1]; port++) {
    try {
      const socket = await connectOnce({ host: addr.host, port }, timeoutMs);
      return { socket, calloutAddress: `[${socket.remoteAddress ?? addr.host}]:${port}` };
    } catch (e) {
      last = e;
    }
  }
  throw new ScanSocketError(`failed to connect to any address for ${addr.host}: ${strerror(last)}`);
}

/** The $callout_address Exim would show for an address it failed to reach. */
export function describeAddress(addr: ScannerAddress): string {
  return 'path' in addr ? addr.path : `[${addr.host}]:${addr.ports[0]}`;
}

export interface ExchangeOptions {
  /** Half-close after sending (spamd needs it to see the end of the request). */
  halfClose?: boolean;
  /** Answer when this much has arrived (a generic scanner that keeps the line open); default: at end of stream. */
  until?: (received: Buffer) => boolean;
  /** Give up reading beyond this many bytes. */
  maxBytes?: number;
}

/**
 * Send request (one buffer, or pieces written in order) and collect the answer until the
 * peer closes the connection (or opts.until says it is complete), within deadline (ms since the epoch).
 */
export function exchange(socket: net.Socket, request: readonly Buffer[], deadline: number, opts: ExchangeOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(earlyErrors.get(socket) ?? Object.assign(new ScanSocketError('connection closed'), { code: 'ECONNRESET' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => finish(Object.assign(new ScanSocketError('timed out'), { code: 'ETIMEDOUT' })), Math.max(0, deadline - Date.now()));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) finish(new ScanSocketError('answer too long'));
      else if (opts.until?.(Buffer.concat(chunks))) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (e) => finish(e));
    for (const piece of request) socket.write(piece);
    if (opts.halfClose) socket.end();
  });
}
