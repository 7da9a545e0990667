// spamd_address (spec "Scanning with SpamAssassin and Rspamd"): a list of
// servers, each itself a space-separated list: a Unix socket path or
// "host port[-port]", then options pri=, weight=, time=, retry=, tmo=,
// variant=rspamd. Servers are tried by priority (highest first), within a
// priority at random weighted by weight=, until one answers.

import { readTime } from '../config/values.ts';
import { splitList } from '../lists/index.ts';
import { parseScannerAddress, type ScannerAddress } from './socket.ts';

export interface SpamdServer {
  spec: string;
  address: ScannerAddress;
  pri: number;
  weight: number;
  /** Seconds after midnight, local time: use only from..to. */
  time?: { from: number; to: number };
  /** Seconds to wait before the one retry of a failed connect; 0: no retry. */
  retry: number;
  /** Seconds for the whole exchange. */
  timeout: number;
  rspamd: boolean;
}

export const DEFAULT_SPAMD_TIMEOUT = 120;
/** Exim takes at most this many servers from the list. */
const MAX_SERVERS = 32;

export class SpamdConfigError extends Error {}

/** "h[.m[.s]]" as seconds after midnight. */
function timeOfDay(t: string): number | undefined {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(t);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function serverOption(server: SpamdServer, opt: string): void {
  const eq = opt.indexOf('=');
  const name = eq < 0 ? opt : opt.slice(0, eq);
  const value = eq < 0 ? '' : opt.slice(eq + 1);
  const bad = (): never => {
    throw new SpamdConfigError(`spamd: bad option '${opt}'`);
  };
  switch (name) {
    case 'pri':
    case 'weight': {
      if (!/^\d+$/.test(value)) bad();
      server[name] = Number(value);
      return;
    }
    case 'retry':
    case 'tmo': {
      const secs = readTime(value);
      if (secs < 0) bad();
      if (name === 'retry') server.retry = secs;
      else server.timeout = secs;
      return;
    }
    case 'time': {
      const dash = value.indexOf('-');
      const from = timeOfDay(value.slice(0, dash < 0 ? value.length : dash));
      const to = dash < 0 ? from : timeOfDay(value.slice(dash + 1));
      if (from === undefined || to === undefined) bad();
      server.time = { from: from!, to: to! };
      return;
    }
    case 'variant':
      if (value !== 'rspamd') bad();
      server.rspamd = true;
      return;
    default:
      bad();
  }
}

/** The servers of an (expanded) spamd_address. */
export function parseSpamdAddress(text: string): SpamdServer[] {
  const servers: SpamdServer[] = [];
  for (const spec of splitList(text).slice(0, MAX_SERVERS)) {
    const words = splitList(spec, ' ');
    const first = words[0] ?? '';
    const isPath = first.startsWith('/');
    const addressText = isPath ? first : words.slice(0, 2).join(' ');
    const address = parseScannerAddress(addressText);
    if (!address) throw new SpamdConfigError(`spamd: bad address '${spec}'`);
    const server: SpamdServer = { spec, address, pri: 1, weight: 1, retry: 0, timeout: DEFAULT_SPAMD_TIMEOUT, rspamd: false };
    for (const opt of words.slice(isPath ? 1 : 2)) serverOption(server, opt);
    servers.push(server);
  }
  if (servers.length === 0) throw new SpamdConfigError('no useable spamd server addresses in spamd_address configuration option.');
  return servers;
}

function inTime(s: SpamdServer, now: Date): boolean {
  if (!s.time) return true;
  const t = now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds();
  return s.time.from <= s.time.to ? t >= s.time.from && t <= s.time.to : t >= s.time.from || t <= s.time.to;
}

/** The order to try servers in: by priority, then weighted random within a priority. */
export function spamdOrder(servers: readonly SpamdServer[], now = new Date(), random: () => number = Math.random): SpamdServer[] {
  const usable = servers.filter((s) => inTime(s, now));
  const order: SpamdServer[] = [];
  const pris = [...new Set(usable.map((s) => s.pri))].sort((a, b) => b - a);
  for (const pri of pris) {
    const pool = usable.filter((s) => s.pri === pri);
    while (pool.length > 0) {
      const total = pool.reduce((n, s) => n + s.weight, 0);
      let pick = 0;
      if (total > 0) {
        let r = random() * total;
        while (pick < pool.length - 1 && r >= pool[pick].weight) r -= pool[pick++].weight;
      }
      order.push(pool.splice(pick, 1)[0]);
    }
  }
  return order;
}
