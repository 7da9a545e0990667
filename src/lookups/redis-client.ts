// A small Redis client for the redis lookup: RESP2 over TCP or a Unix
// socket, commands answered in order on one connection. Connections are kept
// per server for the life of the process (as Exim keeps its hiredis handles)
// and hold the event loop only while a reply is awaited. I/O failures carry
// the text hiredis would put in its errstr (strerror, or "Server closed the
// connection"), since Exim's messages quote it.

import net from 'node:net';

export type RedisReply =
  | { type: 'status'; data: Buffer }
  | { type: 'error'; text: string }
  | { type: 'integer'; value: bigint }
  | { type: 'string'; data: Buffer }
  | { type: 'nil' }
  | { type: 'array'; items: RedisReply[] };

/** Where a server listens: a host and port, or a Unix socket path. */
export type RedisTarget = { host: string; port: number } | { socket: string };

/** A connection or protocol failure; message is hiredis's errstr for it. */
export class RedisIoError extends Error {
  override name = 'RedisIoError';
}

/** How long a connection attempt or a reply may take before we give up (hiredis would wait for ever); tests shorten it. */
export const redisTimeout = { ms: 30_000 };

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EPIPE: 'Broken pipe',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

function ioText(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code && ERRNO_TEXT[code]) return ERRNO_TEXT[code];
  return err instanceof Error ? err.message : String(err);
}

/** One RESP2 reply from buf at offset, or null when more bytes are needed. */
export function parseReply(buf: Buffer, offset: number): { reply: RedisReply; end: number } | null {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const kind = buf[offset];
  const line = buf.subarray(offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (kind) {
    case 0x2b: // +
      return { reply: { type: 'status', data: Buffer.from(line) }, end: next };
    case 0x2d: // -
      return { reply: { type: 'error', text: line.toString('latin1') }, end: next };
    case 0x3a: // :
      return { reply: { type: 'integer', value: BigInt(line.toString('latin1')) }, end: next };
    case 0x24: { // $
      const len = Number(line.toString('latin1'));
      if (len < 0) return { reply: { type: 'nil' }, end: next };
      if (buf.length < next + len + 2) return null;
      return { reply: { type: 'string', data: Buffer.from(buf.subarray(next, next + len)) }, end: next + len + 2 };
    }
    case 0x2a: { // *
      const count = Number(line.toString('latin1'));
      if (count < 0) return { reply: { type: 'nil' }, end: next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return null;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: { type: 'array', items }, end: at };
    }
    default:
      throw new RedisIoError('Protocol error, got ' + JSON.stringify(String.fromCharCode(kind ?? 0)) + ' as reply type byte');
  }
}

/** A command in RESP2's multi-bulk form. */
export function encodeCommand(args: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

interface Pending {
  resolve(reply: RedisReply): void;
  reject(err: RedisIoError): void;
}

/** One connection to one server; commands queue and are answered in order. */
export class RedisConnection {
  private readonly socket: net.Socket;
  private readonly pending: Pending[] = [];
  private input: Buffer = Buffer.alloc(0);
  private failure: RedisIoError | undefined;
  private readonly onClosed: () => void;

  constructor(target: RedisTarget, onClosed: () => void) {
    this.onClosed = onClosed;
    this.socket = 'socket' in target ? net.connect(target.socket) : net.connect(target.port, target.host);
    this.socket.setNoDelay(true);
    this.socket.unref();
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('timeout', () => this.fail(new RedisIoError(this.socket.connecting ? 'Connection timed out' : 'Resource temporarily unavailable')));
    this.socket.on('error', (err) => this.fail(new RedisIoError(ioText(err))));
    this.socket.on('end', () => this.fail(new RedisIoError('Server closed the connection')));
    this.socket.on('close', () => this.fail(new RedisIoError('Server closed the connection')));
  }

  /** Send one command; the promise settles with its reply or the connection's failure. */
  command(args: readonly Buffer[]): Promise<RedisReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      // Only a connection with a question outstanding holds the process or can time out.
      this.socket.ref();
      this.socket.setTimeout(redisTimeout.ms);
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.fail(new RedisIoError('Server closed the connection'));
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let at = 0;
    try {
      for (;;) {
        if (at >= this.input.length) break;
        const parsed = parseReply(this.input, at);
        if (!parsed) break;
        at = parsed.end;
        const waiter = this.pending.shift();
        if (!waiter) throw new RedisIoError('Protocol error: reply without a command');
        waiter.resolve(parsed.reply);
      }
    } catch (err) {
      this.fail(err instanceof RedisIoError ? err : new RedisIoError(ioText(err)));
      return;
    }
    this.input = at >= this.input.length ? Buffer.alloc(0) : this.input.subarray(at);
    if (this.pending.length === 0) {
      this.socket.setTimeout(0);
      this.socket.unref();
    }
  }

  private fail(err: RedisIoError): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    this.onClosed();
    for (const waiter of this.pending.splice(0)) waiter.reject(err);
  }
}

const connections = new Map<string, RedisConnection>();

/** The process's connection for key (made on first use; a failed one is replaced on the next use). */
export function redisConnection(key: string, target: RedisTarget): RedisConnection {
  let conn = connections.get(key);
  if (!conn) {
    const made: RedisConnection = new RedisConnection(target, () => {
      if (connections.get(key) === made) connections.delete(key);
    });
    conn = made;
    connections.set(key, conn);
  }
  return conn;
}

/** Close every cached connection (tests; the end of a process's work). */
export function closeRedisConnections(): void {
  for (const conn of [...connections.values()]) conn.close();
  connections.clear();
}
