// Binding the listening sockets. Connections are accepted paused
// (pauseOnConnect) so that no byte is read in the primary: the socket goes
// to a worker untouched, or gets a 421 and is closed.
//
// IPv6 wildcard sockets are bound IPv6-only so that "::" and "0.0.0.0" on
// the same port are two sockets, as local_interfaces lists them, and IPv4
// clients show as plain IPv4 addresses rather than ::ffff: mapped ones.

import net from 'node:net';
import { strerror } from '../expand/strerror.ts';
import type { ListenAddress } from './listen-spec.ts';

export interface BoundListener {
  spec: ListenAddress;
  server: net.Server;
}

export class BindError extends Error {
  override name = 'BindError';
}

function bindOnce(spec: ListenAddress, backlog: number, onConnection: (socket: net.Socket, spec: ListenAddress) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => onConnection(socket, spec));
    const onError = (e: Error) => {
      server.close();
      reject(e);
    };
    server.once('error', onError);
    server.listen({ host: spec.address, port: spec.port, backlog, ipv6Only: net.isIPv6(spec.address), exclusive: true }, () => {
      server.off('error', onError);
      // After start-up an accept() error (EMFILE...) is logged by the caller, never fatal.
      resolve(server);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BindOptions {
  backlog: number;
  retries: number;
  sleepMs: number;
  /** Told about each failed attempt that will be retried (Exim logs these). */
  onRetry(text: string): void;
  onConnection(socket: net.Socket, spec: ListenAddress): void;
}

function bindFailure(spec: ListenAddress, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const text = code === 'EADDRINUSE' ? 'Address already in use' : strerror(e);
  return `socket bind() to port ${spec.port} for address ${spec.address} failed: ${text}`;
}

/** Bind every address, retrying as daemon_startup_retries/_sleep say; all or nothing. */
export async function bindAll(specs: ListenAddress[], o: BindOptions): Promise<BoundListener[]> {
  const bound: BoundListener[] = [];
  try {
    for (const spec of specs) {
      for (let attempt = 0; ; attempt++) {
        try {
          bound.push({ spec, server: await bindOnce(spec, o.backlog, o.onConnection) });
          break;
        } catch (e) {
          const left = o.retries - attempt;
          if (left <= 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new BindError(`${bindFailure(spec, e)}: daemon abandoned`);
          o.onRetry(`${bindFailure(spec, e)}: waiting ${Math.round(o.sleepMs / 1000)}s before trying again (${left} more ${left === 1 ? 'try' : 'tries'})`);
          await sleep(o.sleepMs);
        }
      }
    }
  } catch (e) {
    closeAll(bound);
    throw e;
  }
  return bound;
}

export function closeAll(listeners: BoundListener[]): void {
  for (const l of listeners) l.server.close();
}
