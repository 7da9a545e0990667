// How the remote end of a session is named in log lines: Exim's
// $sender_fullhost ("name (helo) [ip]:port") and the "H=... I=... U=... Ci=..."
// group that rejection, error and connection lines carry.

import type { LogSelector } from './selectors.ts';

/** What the logs say about the peer of an SMTP session (or local caller). */
export interface LogPeer {
  /** The client's IP address; absent for a local caller (-bs, -bm). */
  address?: string;
  port?: number;
  /** The verified host name (host_lookup), if any. */
  name?: string;
  /** The HELO/EHLO argument, if given. */
  heloName?: string;
  /** RFC 1413 identity, or the login name of a local caller. */
  ident?: string;
  /** The local end of the connection (for I=). */
  interfaceAddress?: string;
  interfacePort?: number;
  /** Connection identifier for Ci= (Exim uses the pid of the session's process). */
  connectionId?: string | number;
  /** The host name lookups were DNSSEC-secured. */
  dnssec?: boolean;
}

/**
 * $sender_fullhost: the verified name, then the HELO name in parentheses
 * when it differs from that name (and, after a name, is not just the
 * address as a literal), then the address in brackets, with ":port" under
 * +incoming_port. Without a name an address-literal HELO is shown:
 * "([192.0.2.1]) [192.0.2.1]" (Exim 4.98 -bh).
 */
export function senderFullhost(p: LogPeer, sel: LogSelector): string | undefined {
  if (p.address === undefined) return undefined;
  let s = '';
  const helo = p.heloName;
  const heloIsAddress = helo !== undefined && helo.toLowerCase() === `[${p.address.toLowerCase()}]`;
  if (p.name !== undefined) {
    s = p.name;
    if (helo !== undefined && helo.toLowerCase() !== p.name.toLowerCase() && !heloIsAddress) s += ` (${helo})`;
  } else if (helo !== undefined) {
    s = `(${helo})`;
  }
  s += (s ? ' ' : '') + `[${p.address}]`;
  if (sel.has('incoming_port') && p.port !== undefined) s += `:${p.port}`;
  return s;
}

function interfacePart(p: LogPeer, sel: LogSelector): string {
  if (!sel.has('incoming_interface') || p.interfaceAddress === undefined) return '';
  return ` I=[${p.interfaceAddress}]:${p.interfacePort ?? 0}`;
}

function connectionIdPart(p: LogPeer, sel: LogSelector): string {
  return sel.has('connection_id') && p.connectionId !== undefined ? ` Ci=${p.connectionId}` : '';
}

/**
 * Exim's host_and_ident(): "H=fullhost I=... U=ident Ci=..." with flags, or
 * "fullhost I=... U=ident Ci=..." without ("SMTP call from ..."). A local
 * caller is named by its ident ("U=root"; bare "root" without flags).
 */
export function hostAndIdent(p: LogPeer, sel: LogSelector, useFlags = true): string {
  const full = senderFullhost(p, sel);
  let s: string;
  if (full === undefined) {
    s = (useFlags ? 'U=' : '') + (p.ident ?? 'unknown');
  } else {
    s = (useFlags ? 'H=' : '') + full + interfacePart(p, sel);
    if (p.ident !== undefined) s += ` U=${p.ident}`;
  }
  return s + connectionIdPart(p, sel);
}

/** The host group of a <= line: "DS H=fullhost I=... U=ident Ci=..." (leading space included). */
export function arrivalHostInfo(p: LogPeer, sel: LogSelector): string {
  const full = senderFullhost(p, sel);
  let s = '';
  if (full !== undefined) {
    if (sel.has('dnssec') && p.dnssec) s += ' DS';
    s += ` H=${full}${interfacePart(p, sel)}`;
  }
  if (p.ident !== undefined) s += ` U=${p.ident}`;
  return s + connectionIdPart(p, sel);
}

/**
 * "from" part of connection lines: the full host with I= for TCP/IP
 * ("[1.2.3.4]:5 I=[...]:25"), the ident for a local caller.
 */
export function connectionPeer(p: LogPeer, sel: LogSelector): string {
  const full = senderFullhost(p, sel);
  if (full === undefined) return p.ident ?? 'unknown';
  return full + interfacePart(p, sel);
}

export { connectionIdPart };
