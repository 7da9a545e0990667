// A real DNS server for tests: BIND 9's `named` on loopback.
//
//   const dns = await startDnsServer([
//     { name: 'example.test', records: ['@ MX 10 mail', 'mail A 192.0.2.1'] },
//     { name: 'signed.test', records: ['@ A 192.0.2.9'], dnssec: true },
//   ]);
//   setResolvers([{ host: dns.host, port: dns.port }]);   // or TERN_RESOLVERS=`${dns.host}:${dns.port}`
//   ...
//   after(() => dns.stop());
//
// Two named processes on 127.0.0.1, each on a random free high port:
//  - `host:port` is a validating recursive resolver, like the one an MTA is
//    given in resolv.conf. It forwards everything to the authoritative
//    server, sets RA, and sets AD for answers under zones with `dnssec`.
//  - `authHost:authPort` is authoritative for the zones (AA set, no
//    recursion, never AD) plus an empty root zone, so every name outside the
//    given zones is a fast NXDOMAIN rather than a timeout.
// (One process with two views would need a second loopback address, which
// an unprivileged CI container may not have.)
//
// Zone records are zone-file lines relative to the zone's apex (a name not
// ending in "." is relative). An SOA (mname ns.tern-test-server, rname
// hostmaster.<zone>, serial 2024010101, negative TTL 60) and
// `@ NS ns.tern-test-server.` are added when the records have none at the
// apex; an in-zone NS target needs its own A record. Default TTL 300.
// Delegations (NS below the apex) point at servers that do not exist: avoid.
// Fault zones:
//  - `bogus: true`   signed, but the resolver trusts another key: SERVFAIL.
//  - `refused: true` the authoritative server refuses it: REFUSED from
//    authPort, SERVFAIL from the resolver.
//
// Needs Debian packages bind9 (named) and bind9-utils (dnssec-keygen,
// dnssec-signzone). The server is always stopped: by stop(), or, if a test
// process dies first, by an exit hook that kills it.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import * as dnsPacket from 'dns-packet';

const run = promisify(execFile);

export interface ZoneSpec {
  /** Zone apex without trailing dot, e.g. "example.test". */
  name: string;
  /** Zone-file lines relative to the apex: "@ MX 10 mail", "www 60 CNAME @". */
  records: string[];
  /** Sign the zone and make the resolver trust its key: answers carry AD. */
  dnssec?: boolean;
  /** Sign the zone but make the resolver trust a different key: SERVFAIL. */
  bogus?: boolean;
  /** The authoritative server refuses queries for this zone. */
  refused?: boolean;
}

export interface DnsServer {
  /** The recursive, validating resolver: point tern here. */
  host: string;
  port: number;
  /** The authoritative server. */
  authHost: string;
  authPort: number;
  /** Stop named and remove its files; safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const NAMED = process.env.TERN_NAMED ?? '/usr/sbin/named';
const START_TIMEOUT_MS = 15_000;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface DnsServerOptions {
  /**
   * A fixed port for the resolver (default: random). Only for running Exim
   * as an oracle inside a private network namespace, where port 53 is free.
   */
  port?: number;
}

export async function startDnsServer(zones: ZoneSpec[], options: DnsServerOptions = {}): Promise<DnsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tern-named-'));
  const started: ChildProcess[] = [];
  try {
    const anchors: string[] = [];
    for (const zone of zones) {
      const text = zoneFile(zone.name, zone.records);
      if (zone.dnssec || zone.bogus) {
        anchors.push(await signZone(dir, zone.name, text, !!zone.bogus));
      } else {
        await writeFile(join(dir, fileName(zone.name)), text);
      }
    }
    await writeFile(join(dir, 'root.zone'), zoneFile('.', []));
    const authPort = await startNamed(dir, 'auth', (port) => authConf(dir, port, zones), started);
    const port = await startNamed(dir, 'resolver', (p) => resolverConf(dir, p, authPort, anchors), started, options.port);
    await waitForAnswer(port, zones[0]?.name ?? '.');
    return handle(started, port, authPort, dir);
  } catch (e) {
    await Promise.all(started.map(terminate));
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Start one named on a free port; a port taken between our check and named's bind is retried. */
async function startNamed(
  dir: string, role: string, conf: (port: number) => string, started: ChildProcess[], fixedPort?: number,
): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? await freePort();
    const file = join(dir, `${role}.conf`);
    await writeFile(file, conf(port));
    try {
      started.push(await launch(file));
      return port;
    } catch (e) {
      lastError = e;
      if (!/address in use/i.test(String(e))) break;
    }
  }
  throw lastError;
}

function handle(children: ChildProcess[], port: number, authPort: number, dir: string): DnsServer {
  let stopped: Promise<void> | undefined;
  return {
    host: HOST,
    port,
    authHost: HOST,
    authPort,
    stop() {
      stopped ??= (async () => {
        await Promise.all(children.map(terminate));
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function fileName(zone: string): string {
  return `${zone === '.' ? 'root' : zone}.zone`;
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function zoneFile(zone: string, records: string[]): string {
  const apex = fqdn(zone);
  const atApex = (type: string) =>
    records.some((r) => new RegExp(`^(@|${apex.replace(/\./g, '\\.')})\\s.*\\b${type}\\b`, 'i').test(r));
  const lines = [`$ORIGIN ${apex}`, '$TTL 300'];
  // The default server name lies outside every test zone, so named does not insist on its address.
  const host = 'ns.tern-test-server.';
  if (!atApex('SOA')) lines.push(`@ SOA ${host} hostmaster.${apex === '.' ? '' : apex} 2024010101 3600 600 86400 60`);
  if (!atApex('NS')) lines.push(`@ NS ${host}`);
  if (zone === '.') lines.push(`${host} A ${HOST}`);
  lines.push(...records);
  return lines.join('\n') + '\n';
}

/** Sign the zone offline; returns the resolver's trust-anchor line (a wrong key when bogus). */
async function signZone(dir: string, zone: string, text: string, bogus: boolean): Promise<string> {
  const keygen = async () =>
    (await run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-K', dir, zone])).stdout.trim();
  const key = await keygen();
  const unsigned = join(dir, `${zone}.unsigned`);
  await writeFile(unsigned, `${text}$INCLUDE ${join(dir, key)}.key\n`);
  await run('dnssec-signzone', ['-q', '-z', '-P', '-K', dir, '-d', dir, '-o', zone, '-f', join(dir, fileName(zone)), unsigned, key]);
  const anchorKey = bogus ? await keygen() : key;
  const keyText = await readFile(join(dir, `${anchorKey}.key`), 'utf8');
  const m = /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+)$/m.exec(keyText);
  if (!m) throw new Error(`cannot read DNSKEY from ${anchorKey}.key`);
  return `"${fqdn(zone)}" static-key ${m[1]} ${m[2]} ${m[3]} "${m[4].replace(/\s+/g, '')}";`;
}

function commonOptions(dir: string, port: number, role: string): string {
  return `  directory "${dir}";
  pid-file none;
  session-keyfile "${dir}/${role}.session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { ${HOST}; };
  listen-on-v6 { none; };
  notify no;`;
}

/** The authoritative server: the zones, an empty root, no recursion. */
function authConf(dir: string, port: number, zones: ZoneSpec[]): string {
  const zoneLines = [{ name: '.', refused: false }, ...zones].map((z) =>
    `zone "${fqdn(z.name)}" { type primary; file "${fileName(z.name)}"; check-integrity no;${z.refused ? ' allow-query { none; };' : ''} };`);
  return `options {
${commonOptions(dir, port, 'auth')}
  recursion no;
  dnssec-validation no;
  check-names primary ignore;
  check-mx ignore;
  check-wildcard no;
  check-sibling no;
};
controls { };
${zoneLines.join('\n')}
`;
}

/** The validating resolver: forwards everything to the authoritative server. */
function resolverConf(dir: string, port: number, authPort: number, anchors: string[]): string {
  return `options {
${commonOptions(dir, port, 'resolver')}
  recursion yes;
  allow-recursion { any; };
  dnssec-validation yes;
  forward only;
  forwarders { ${HOST} port ${authPort}; };
  resolver-query-timeout 10;
};
controls { };
${anchors.length ? `trust-anchors {\n  ${anchors.join('\n  ')}\n};` : ''}
`;
}

/** A port free for both UDP and TCP on both loopback addresses (named takes it a moment later). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port for named');
}

async function portFree(port: number): Promise<boolean> {
  for (const host of [HOST]) {
    const tcpOk = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    const udpOk = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => { sock.close(); resolve(false); });
      sock.bind(port, host, () => sock.close(() => resolve(true)));
    });
    if (!tcpOk || !udpOk) return false;
  }
  return true;
}

/** Start named in the foreground; resolves once it logs that it is running. */
function launch(confFile: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(NAMED, ['-g', '-4', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    // A test that forgets stop() must not hang its process; the exit hook still kills named.
    child.unref();
    (child.stderr as unknown as { unref(): void }).unref();
    let log = '';
    const timer = setTimeout(() => fail(new Error(`named did not start in time:\n${log}`)), START_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      running.delete(child);
      reject(e);
    };
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      if (/not loaded due to errors|loading configuration: failure/.test(log)) {
        fail(new Error(`named could not load its configuration or a zone:\n${log}`));
      } else if (/ running$/m.test(log)) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        if (process.env.TERN_NAMED_LOG) child.stderr!.on('data', (c: string) => process.stderr.write(c));
        else child.stderr!.resume();
        resolve(child);
      }
    });
    child.once('error', (e) => fail(e));
    child.once('exit', (code) => fail(new Error(`named exited (${code}):\n${log}`)));
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

/** Poll the resolver until it answers for the first zone. */
async function waitForAnswer(port: number, zone: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await queryOnce(port, zone)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('named never answered');
}

function queryOnce(port: number, zone: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    sock.on('error', () => done(false));
    sock.on('message', () => done(true));
    const q = dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'SOA', name: zone }] });
    sock.send(q, port, HOST);
  });
}

