// One exchange with one server, over UDP or TCP, bounded by a timeout.
// Each UDP query gets a fresh socket on a kernel-chosen (random) port and is
// connect()ed to the server, so datagrams from anyone else are dropped by the
// kernel; the id and question are checked by the caller's `accept`.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import type { ResolverAddress } from './config.ts';

export type Exchange<T> =
  | { kind: 'reply'; value: T }
  | { kind: 'timeout' }
  | { kind: 'error'; error: Error };

/**
 * Send `query` by UDP and wait for the first datagram that `accept` turns
 * into a value (it returns null for one that does not answer our query).
 */
export function udpExchange<T>(
  server: ResolverAddress, query: Buffer, timeoutMs: number, accept: (msg: Buffer) => T | null,
): Promise<Exchange<T>> {
  return new Promise((resolve) => {
    const sock = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    let finished = false;
    const finish = (outcome: Exchange<T>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {}
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.on('error', (error) => finish({ kind: 'error', error }));
    sock.on('message', (msg) => {
      const value = accept(msg);
      if (value !== null) finish({ kind: 'reply', value });
    });
    sock.connect(server.port, server.host, () => {
      sock.send(query, (error) => {
        if (error) finish({ kind: 'error', error });
      });
    });
  });
}

/** Largest DNS message (a TCP length prefix is 16 bits). */
const MAX_MESSAGE = 65535;

/** Send `query` over TCP (two-byte length prefix) and read one response. */
export function tcpExchange<T>(
  server: ResolverAddress, query: Buffer, timeoutMs: number, accept: (msg: Buffer) => T | null,
): Promise<Exchange<T>> {
  return new Promise((resolve) => {
    const sock = connect({ host: server.host, port: server.port });
    let finished = false;
    let buffered = Buffer.alloc(0);
    const finish = (outcome: Exchange<T>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.on('error', (error) => finish({ kind: 'error', error }));
    sock.on('end', () => finish({ kind: 'error', error: new Error('connection closed before a complete answer') }));
    sock.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      sock.write(Buffer.concat([prefix, query]));
    });
    sock.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_MESSAGE + 2) return finish({ kind: 'error', error: new Error('oversized TCP answer') });
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) return;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        const value = accept(msg);
        if (value !== null) return finish({ kind: 'reply', value });
      }
    });
  });
}
