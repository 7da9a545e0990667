// Which sockets the daemon listens on: daemon_smtp_ports, local_interfaces
// and tls_on_connect_ports (or -oX), as the spec's chapter "Starting the
// daemon and the use of network interfaces" describes, and the text of the
// "listening for SMTP on ..." part of the start-up log line.

import fs from 'node:fs';
import net from 'node:net';
import { splitList } from '../lists/split.ts';

export interface ListenAddress {
  /** An IP address; "0.0.0.0" and "::" mean every interface of that family. */
  address: string;
  port: number;
  /** Connections to this port start TLS at once (tls_on_connect_ports). */
  tlsOnConnect: boolean;
}

export class ListenSpecError extends Error {
  override name = 'ListenSpecError';
}

let services: Map<string, number> | undefined;

/** TCP service names from /etc/services (as getservbyname would give them). */
function serviceTable(): Map<string, number> {
  if (services) return services;
  services = new Map([['smtp', 25], ['submission', 587], ['submissions', 465], ['smtps', 465]]);
  try {
    for (const line of fs.readFileSync('/etc/services', 'latin1').split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      const m = /^(\d+)\/tcp$/.exec(fields[1] ?? '');
      if (!m) continue;
      for (const name of [fields[0], ...fields.slice(2)]) if (name && !services.has(name)) services.set(name, Number(m[1]));
    }
  } catch {
    // No /etc/services: the built-in names above still work.
  }
  return services;
}

/** A port given by number or by service name. */
export function portNumber(item: string, optionName: string): number {
  if (/^\d+$/.test(item)) {
    const n = Number(item);
    if (n > 0 && n < 65536) return n;
  } else {
    const n = serviceTable().get(item);
    if (n !== undefined) return n;
  }
  throw new ListenSpecError(`invalid port "${item}" in ${optionName}`);
}

/** "0::0", "::0" and friends are written many ways; "::" is the one Node understands. */
function canonicalAddress(ip: string): string {
  if (net.isIPv6(ip) && /^[0:]+$/.test(ip)) return '::';
  return ip;
}

/**
 * One local_interfaces item: an address, "address.port", or "[address]:port".
 * Returns the port when the item carries one.
 */
export function parseInterfaceItem(item: string): { address: string; port?: number } {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(item);
  if (bracket) {
    if (!net.isIP(bracket[1].replace(/%.*$/, ''))) throw new ListenSpecError(`malformed IP address "${bracket[1]}" in local_interfaces`);
    return { address: canonicalAddress(bracket[1]), port: portNumber(bracket[2], 'local_interfaces') };
  }
  const bare = item.replace(/%.*$/, '');
  if (net.isIP(bare)) return { address: canonicalAddress(item) };
  // "192.168.1.1.25" or "::1.25": the part after the last dot is the port.
  const dot = item.lastIndexOf('.');
  if (dot > 0 && /^\d+$/.test(item.slice(dot + 1))) {
    const ip = item.slice(0, dot);
    if (net.isIP(ip.replace(/%.*$/, ''))) return { address: canonicalAddress(ip), port: portNumber(item.slice(dot + 1), 'local_interfaces') };
  }
  throw new ListenSpecError(`malformed IP address "${item}" in local_interfaces`);
}

export interface ListenOptions {
  daemonSmtpPorts: string;
  localInterfaces: string;
  tlsOnConnectPorts: string;
  /** -oX */
  override?: string;
  disableIpv6?: boolean;
}

/**
 * -oX: items without dots or colons replace daemon_smtp_ports; items with
 * them replace local_interfaces.
 */
export function applyOverride(ports: string, interfaces: string, override: string): { ports: string; interfaces: string } {
  const items = splitList(override);
  const portItems = items.filter((i) => !/[.:]/.test(i));
  const ifaceItems = items.filter((i) => /[.:]/.test(i));
  return {
    // Rebuilt with a separator that no port or IPv6 address contains.
    ports: portItems.length > 0 ? '<; ' + portItems.join(' ; ') : ports,
    interfaces: ifaceItems.length > 0 ? '<; ' + ifaceItems.join(' ; ') : interfaces,
  };
}

/** Every socket to listen on, without duplicates, in configuration order. */
export function listenAddresses(o: ListenOptions): ListenAddress[] {
  let ports = o.daemonSmtpPorts;
  let interfaces = o.localInterfaces;
  if (o.override !== undefined) ({ ports, interfaces } = applyOverride(ports, interfaces, o.override));
  const defaultPorts = splitList(ports).map((p) => portNumber(p, 'daemon_smtp_ports'));
  const tlsPorts = new Set(splitList(o.tlsOnConnectPorts).map((p) => portNumber(p, 'tls_on_connect_ports')));
  const out: ListenAddress[] = [];
  const seen = new Set<string>();
  for (const item of splitList(interfaces)) {
    const { address, port } = parseInterfaceItem(item);
    if (o.disableIpv6 && net.isIPv6(address)) continue;
    for (const p of port !== undefined ? [port] : defaultPorts) {
      const key = `[${address}]:${p}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address, port: p, tlsOnConnect: tlsPorts.has(p) });
    }
  }
  if (out.length === 0) throw new ListenSpecError('no SMTP listening addresses or ports (local_interfaces/daemon_smtp_ports)');
  return out;
}

function describe(list: ListenAddress[]): string {
  const parts: string[] = [];
  for (const a of list) {
    if (a.address === '::') {
      const both = list.some((b) => b.address === '0.0.0.0' && b.port === a.port);
      parts.push(`port ${a.port} (IPv6${both ? ' and IPv4' : ''})`);
    } else if (a.address === '0.0.0.0') {
      if (!list.some((b) => b.address === '::' && b.port === a.port)) parts.push(`port ${a.port} (IPv4)`);
    } else {
      parts.push(`[${a.address}]:${a.port}`);
    }
  }
  return parts.join(' ');
}

/** "listening for SMTP on [127.0.0.1]:25 port 26 (IPv6 and IPv4) and for SMTPS on ..." */
export function listeningText(list: ListenAddress[]): string {
  const plain = list.filter((a) => !a.tlsOnConnect);
  const tls = list.filter((a) => a.tlsOnConnect);
  const parts: string[] = [];
  if (plain.length > 0) parts.push('SMTP on ' + describe(plain));
  if (tls.length > 0) parts.push('SMTPS on ' + describe(tls));
  return 'listening for ' + parts.join(' and for ');
}
