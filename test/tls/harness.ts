// A minimal SMTP-ish server around makeTlsServer for tests: banner, then
// either TLS at once (on connect) or on "STARTTLS"; after the handshake it
// reports the upgrade (or the error) and answers each line over TLS with
// "250 <line>".

import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';
import { makeTlsServer, type TlsUpgrade } from '../../src/tls/index.ts';

export interface Outcome {
  upgrade?: TlsUpgrade;
  error?: Error & { logText?: string };
  ctx: ExpandContext;
  linesAfterTls: string[];
}

export interface Harness {
  port: number;
  /** Outcomes of the connections, in order of completion of their handshakes. */
  next(): Promise<Outcome>;
  close(): Promise<void>;
}

export async function startHarness(configText: string, opts: { onConnect?: boolean; leaveInSocketBuffer?: boolean } = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-tls-'));
  fs.writeFileSync(path.join(dir, 'configure'), configText);
  const config = loadConfig(path.join(dir, 'configure'));
  fs.rmSync(dir, { recursive: true, force: true });
  const tlsServer = makeTlsServer(config, newContext());
  const waiting: ((o: Outcome) => void)[] = [];
  const ready: Outcome[] = [];
  const report = (o: Outcome) => {
    const w = waiting.shift();
    if (w) w(o);
    else ready.push(o);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const ctx = newContext();
    ctx.vars.set('sender_host_address', { value: '127.0.0.1', tainted: false });
    const outcome: Outcome = { ctx, linesAfterTls: [] };
    const go = (goAhead?: string) => {
      tlsServer.upgrade(sock, { onConnect: !!opts.onConnect, clientHost: { address: '127.0.0.1' }, ctx, goAhead, timeoutMs: 3000 }).then(
        (up) => {
          outcome.upgrade = up;
          let buf = '';
          up.stream.on('data', (d: Buffer) => {
            buf += d.toString('latin1');
            let nl;
            while ((nl = buf.indexOf('\r\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 2);
              outcome.linesAfterTls.push(line);
              up.stream.write(`250 ${line}\r\n`);
              if (line === 'QUIT') up.stream.end();
            }
          });
          up.stream.on('error', () => {});
          report(outcome);
        },
        (e: Error) => {
          outcome.error = e;
          if (e.name === 'TlsSetupError') sock.end('454 TLS currently unavailable\r\n');
          report(outcome);
        },
      );
    };
    if (opts.onConnect) return go();
    sock.write('220 test ESMTP\r\n');
    const onData = (d: Buffer) => {
      const text = d.toString('latin1');
      if (!text.startsWith('STARTTLS\r\n')) {
        sock.write('250-test\r\n250 STARTTLS\r\n'); // EHLO from openssl s_client -starttls smtp
        return;
      }
      sock.removeListener('data', onData);
      sock.pause();
      const rest = d.subarray('STARTTLS\r\n'.length);
      // A session drops what it read past STARTTLS; this one can instead leave it in
      // the socket's buffer, to show that upgrade() drops that too.
      if (opts.leaveInSocketBuffer && rest.length > 0) sock.unshift(rest);
      go('220 TLS go ahead');
    };
    sock.on('data', onData);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    next: () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise((res) => waiting.push(res))),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((res) => server.close(() => res()));
    },
  };
}

/** Read from a plain socket until a full line has arrived. */
export function readLine(sock: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) {
        sock.removeListener('data', onData);
        sock.pause();
        resolve(buf.slice(0, nl));
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.resume();
  });
}

/** Connect, read the banner, send STARTTLS (plus `extra` in the same write), read the 220, start TLS as a client. */
export async function startTlsClient(port: number, options: tls.ConnectionOptions = {}, extra = ''): Promise<tls.TLSSocket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => { sock.once('connect', () => res()); sock.once('error', rej); });
  await readLine(sock);
  sock.write('STARTTLS\r\n' + extra);
  const reply = await readLine(sock);
  if (!reply.startsWith('220')) throw new Error(`STARTTLS refused: ${reply}`);
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket: sock, rejectUnauthorized: false, ...options }, () => resolve(t));
    t.once('error', reject);
  });
}

/** Send a line over TLS and read the reply line. */
export function ask(t: tls.TLSSocket, line: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) {
        t.removeListener('data', onData);
        resolve(buf.slice(0, nl));
      }
    };
    t.on('data', onData);
    t.write(line + '\r\n');
  });
}
