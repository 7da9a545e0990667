// Which servers the stub resolver asks, and how patiently.
//
// Source, first match wins:
//  1. setResolvers([...]) from code (tests, or a future `dns_servers`-style option);
//  2. the environment variable TERN_RESOLVERS: a comma/space separated list of
//     `host`, `host:port`, `[v6addr]:port` (e.g. "127.0.0.1:5353");
//  3. /etc/resolv.conf `nameserver` lines (port 53), at most three as glibc;
//  4. 127.0.0.1:53, glibc's fallback when resolv.conf names no server.
// Timeout and attempts come from resolv.conf `options timeout:N attempts:N`
// (glibc defaults 5 s and 2) unless setResolverOptions() overrides them
// (Exim's dns_retrans / dns_retry).

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface ResolverAddress {
  host: string;
  port: number;
}

export interface ResolverConfig {
  servers: ResolverAddress[];
  /** Per-try timeout, milliseconds. */
  timeoutMs: number;
  /** How many times each server is tried. */
  attempts: number;
}

const RESOLV_CONF = '/etc/resolv.conf';
const MAX_SERVERS = 3;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_ATTEMPTS = 2;
/** Upper bounds so that no configuration makes a lookup hang for minutes. */
const MAX_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 5;

let overrideServers: ResolverAddress[] | null = null;
let overrideOptions: { timeoutMs?: number; attempts?: number } = {};
let fromSystem: ResolverConfig | null = null;

/** Use these servers from now on; null goes back to TERN_RESOLVERS / resolv.conf. */
export function setResolvers(servers: ResolverAddress[] | null): void {
  overrideServers = servers ? servers.map((s) => ({ host: s.host, port: s.port })) : null;
}

/** Override resolv.conf's timeout and attempts (undefined fields keep the system value). */
export function setResolverOptions(options: { timeoutMs?: number; attempts?: number }): void {
  overrideOptions = { ...options };
}

export function resolverConfig(): ResolverConfig {
  fromSystem ??= systemConfig();
  const env = process.env.TERN_RESOLVERS;
  const servers = overrideServers ?? (env ? parseServerList(env) : fromSystem.servers);
  return {
    servers,
    timeoutMs: clamp(overrideOptions.timeoutMs ?? fromSystem.timeoutMs, 1, MAX_TIMEOUT_MS),
    attempts: clamp(overrideOptions.attempts ?? fromSystem.attempts, 1, MAX_ATTEMPTS),
  };
}

/** Forget what was read from resolv.conf (it is read again on next use). */
export function reloadSystemConfig(): void {
  fromSystem = null;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

function systemConfig(): ResolverConfig {
  let text = '';
  try {
    text = readFileSync(RESOLV_CONF, 'utf8');
  } catch {}
  return parseResolvConf(text);
}

export function parseResolvConf(text: string): ResolverConfig {
  const servers: ResolverAddress[] = [];
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let attempts = DEFAULT_ATTEMPTS;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*/, '').trim();
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === 'nameserver' && args[0] && servers.length < MAX_SERVERS) {
      const host = args[0].replace(/%.*/, ''); // a link-local scope id is not usable here
      if (isIP(host)) servers.push({ host, port: 53 });
    } else if (keyword === 'options') {
      for (const opt of args) {
        const m = /^(timeout|attempts):(\d+)$/.exec(opt);
        if (m?.[1] === 'timeout') timeoutMs = Number(m[2]) * 1000;
        else if (m?.[1] === 'attempts') attempts = Number(m[2]);
      }
    }
  }
  if (servers.length === 0) servers.push({ host: '127.0.0.1', port: 53 });
  return { servers, timeoutMs, attempts };
}

export function parseServerList(text: string): ResolverAddress[] {
  const servers: ResolverAddress[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(item) ?? /^([^:]+)(?::(\d+))?$/.exec(item) ?? [item, item, undefined];
    const host = m[1]!;
    const port = m[2] === undefined ? 53 : Number(m[2]);
    if (!isIP(host) || !(port > 0 && port < 65536)) throw new Error(`TERN_RESOLVERS: bad server "${item}"`);
    servers.push({ host, port });
  }
  if (servers.length === 0) throw new Error('TERN_RESOLVERS: no servers');
  return servers;
}
