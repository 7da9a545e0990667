// The PROXY protocol (HAProxy's, versions 1 and 2) on inbound connections:
// a client in hosts_proxy must start with a header naming the real client,
// read before the banner within proxy_protocol_timeout (and before a
// TLS-on-connect handshake). The session then speaks for the real client:
// $sender_host_address/$sender_host_port, host lists, ACLs, Received: and
// log lines; $proxy_local_* keep the proxy's own end and $proxy_external_*
// the address the client reached. As in Exim a bad or missing header is not
// logged: the session goes on, but every command except QUIT is refused.
//
// The parser is kept apart from the session so it can be tested on bytes.

import { isIP } from 'node:net';
import { lookUpClientName } from './host-name.ts';
import { InputTimeout, type SessionInput } from './input.ts';
import { optTimeMs } from './options.ts';
import { setVar } from './context.ts';
import type { SmtpSession } from './session.ts';

/** One end of a proxied connection. */
export interface ProxyEnd {
  address: string;
  port: number;
}

/** What a valid header says: the client and where it connected, or nothing (LOCAL, UNKNOWN). */
export interface ProxyHeader {
  version: 1 | 2;
  source?: ProxyEnd;
  destination?: ProxyEnd;
}

export type ProxyParse =
  | { kind: 'more' }
  | { kind: 'ok'; consumed: number; header: ProxyHeader }
  | { kind: 'bad'; consumed: number; reason: string };

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY', 'latin1');
/** A v1 line is at most 107 bytes with its CRLF (the HAProxy specification). */
const V1_MAX = 107;

/** The reply to every command but QUIT after a failed negotiation (Exim's wording). */
export const PROXY_FAILED_REPLY = '503 Command refused, required Proxy negotiation failed';

/** Is `prefix` (shorter than `whole`) the start of `whole`? */
function startsLike(buf: Buffer, sig: Buffer): boolean {
  const n = Math.min(buf.length, sig.length);
  return buf.subarray(0, n).equals(sig.subarray(0, n));
}

/**
 * Parse a header at the start of `buf`. 'more' asks for more bytes; 'bad'
 * says how many bytes the broken header took (a line that is not a header
 * is swallowed up to its end, as Exim does).
 */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < 16 ? { kind: 'more' } : parseV2(buf);
  if (startsLike(buf, V1_PREFIX)) return parseV1(buf);
  const lf = buf.indexOf(0x0a);
  const consumed = lf >= 0 && lf < V1_MAX + 1 ? lf + 1 : Math.min(buf.length, V1_MAX + 1);
  return { kind: 'bad', consumed, reason: 'not a proxy protocol header' };
}

function parseV2(buf: Buffer): ProxyParse {
  const version = buf[12] >> 4;
  const command = buf[12] & 0x0f;
  if (version !== 2) return { kind: 'bad', consumed: 16, reason: `unsupported version ${version}` };
  const size = 16 + buf.readUInt16BE(14);
  if (buf.length < size) return { kind: 'more' };
  // LOCAL: the proxy's own connection (a health check); the addresses stay as they are
  if (command === 0) return { kind: 'ok', consumed: size, header: { version: 2 } };
  if (command !== 1) return { kind: 'bad', consumed: size, reason: `unsupported command ${command}` };
  const family = buf[13];
  const body = buf.subarray(16, size);
  if (family === 0x11 && body.length >= 12) {
    const ip4 = (at: number): string => Array.from(body.subarray(at, at + 4)).join('.');
    return { kind: 'ok', consumed: size, header: {
      version: 2, source: { address: ip4(0), port: body.readUInt16BE(8) }, destination: { address: ip4(4), port: body.readUInt16BE(10) },
    } };
  }
  if (family === 0x21 && body.length >= 36) {
    return { kind: 'ok', consumed: size, header: {
      version: 2, source: { address: ip6Text(body.subarray(0, 16)), port: body.readUInt16BE(32) },
      destination: { address: ip6Text(body.subarray(16, 32)), port: body.readUInt16BE(34) },
    } };
  }
  // UDP, UNIX sockets and UNSPEC are not TCP connections Exim can speak for
  return { kind: 'bad', consumed: size, reason: `unsupported address family 0x${family.toString(16).padStart(2, '0')}` };
}

/** An IPv6 address in its shortest text form (as inet_ntop writes it). */
function ip6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  // the longest run of two or more zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function parseV1(buf: Buffer): ProxyParse {
  const lf = buf.indexOf(0x0a);
  if (lf < 0) {
    return buf.length >= V1_MAX ? { kind: 'bad', consumed: buf.length, reason: 'PROXY line too long' } : { kind: 'more' };
  }
  const consumed = lf + 1;
  if (lf + 1 > V1_MAX) return { kind: 'bad', consumed, reason: 'PROXY line too long' };
  if (lf === 0 || buf[lf - 1] !== 0x0d) return { kind: 'bad', consumed, reason: 'PROXY line without CRLF' };
  const line = buf.subarray(0, lf - 1).toString('latin1');
  if (/^PROXY UNKNOWN(?: |$)/.test(line)) return { kind: 'ok', consumed, header: { version: 1 } };
  // Exactly one space between fields: the specification is strict and so is Exim.
  const m = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d+) (\d+)$/.exec(line);
  if (!m) return { kind: 'bad', consumed, reason: 'malformed PROXY line' };
  const [, , src, dst, sport, dport] = m;
  if (isIP(src) === 0 || isIP(dst) === 0) return { kind: 'bad', consumed, reason: 'bad address in PROXY line' };
  const port = (t: string): number => (/^0*[1-9]\d{0,4}$/.test(t) && Number(t) <= 65535 ? Number(t) : 0);
  if (port(sport) === 0 || port(dport) === 0) return { kind: 'bad', consumed, reason: 'bad port in PROXY line' };
  return { kind: 'ok', consumed, header: { version: 1, source: { address: src, port: port(sport) }, destination: { address: dst, port: port(dport) } } };
}

/**
 * Read a header from the session's input within timeoutMs. Bytes after the
 * header stay in the input (the first command, or a TLS handshake).
 * Returns the header, or the reason there is none.
 */
export async function readProxyHeader(input: SessionInput, timeoutMs: number): Promise<ProxyHeader | { failed: string }> {
  const deadline = Date.now() + timeoutMs;
  let have = Buffer.alloc(0);
  // bounded: each round takes at least one byte or ends (timeout, end of input, a verdict)
  for (;;) {
    const r = parseProxyHeader(have);
    if (r.kind !== 'more') {
      input.unshift(have.subarray(r.consumed));
      return r.kind === 'ok' ? r.header : { failed: r.reason };
    }
    const left = deadline - Date.now();
    if (left <= 0) { input.unshift(have); return { failed: 'timeout' }; }
    let chunk: Buffer;
    try {
      chunk = await input.take(64 * 1024, left);
    } catch (e) {
      if (e instanceof InputTimeout) { input.unshift(have); return { failed: 'timeout' }; }
      throw e;
    }
    if (chunk.length === 0) return { failed: 'connection closed' };
    have = Buffer.concat([have, chunk]);
  }
}

/**
 * The session now speaks for another client (PROXY header, XCLIENT ADDR/PORT):
 * its address, port and name are replaced, and what was known about the old
 * client's host (name, list answers) is forgotten. An undefined address makes
 * the session look local, as XCLIENT ADDR=[UNAVAILABLE] does in Exim. The
 * values are tainted when they came as command text (XCLIENT), not when
 * they were checked binary or dotted addresses (a PROXY header).
 */
export function setClientAddress(s: SmtpSession, address: string | undefined, port: number, tainted: boolean): void {
  s.conn.remoteAddress = address;
  s.conn.remotePort = port;
  s.aclConn.host = address !== undefined ? { address } : undefined;
  s.aclConn.hostListCache = undefined;
  for (const n of ['sender_host_name', 'host_lookup_failed', 'host_lookup_deferred', 'sender_host_address', 'host_address']) s.ctx.vars.delete(n);
  if (address !== undefined) {
    setVar(s.ctx, 'sender_host_address', address, tainted);
    setVar(s.ctx, 'host_address', address, tainted);
  }
  setVar(s.ctx, 'sender_host_port', String(port), tainted);
}

/**
 * A client in hosts_proxy: read its header and take over the real client's
 * identity. On failure the session is marked so that only QUIT is accepted.
 */
export async function startProxiedSession(s: SmtpSession): Promise<void> {
  // $proxy_session is "yes" as soon as the host is a proxy, whatever its header says (as Exim's)
  setVar(s.ctx, 'proxy_session', 'yes');
  const timeout = optTimeMs(s.config, 'proxy_protocol_timeout', 3000);
  const header = await readProxyHeader(s.input, timeout);
  if ('failed' in header) {
    // Exim does not log it (the spec: "There is no logging if a host passes or fails")
    s.proxyFailed = true;
    return;
  }
  if (!header.source || !header.destination) return;
  const proxy = { address: s.conn.remoteAddress, port: s.conn.remotePort ?? 0 };
  setClientAddress(s, header.source.address, header.source.port, false);
  setVar(s.ctx, 'proxy_local_address', proxy.address ?? '');
  setVar(s.ctx, 'proxy_local_port', String(proxy.port));
  setVar(s.ctx, 'proxy_external_address', header.destination.address);
  setVar(s.ctx, 'proxy_external_port', String(header.destination.port));
  // Exim looks the real client's name up at once, whatever host_lookup says.
  await lookUpClientName(s);
}

/** PRX= on "<=" lines: the proxy's own address, on a proxied session. */
export function proxyLogAddress(s: SmtpSession): string | undefined {
  if (s.ctx.vars.get('proxy_session')?.value !== 'yes') return undefined;
  return s.ctx.vars.get('proxy_local_address')?.value || undefined;
}
