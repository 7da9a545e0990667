// The daemon's connection limits, applied in the primary before a connection
// is handed to a worker, so that a flood of connections costs no session:
// smtp_accept_max, smtp_accept_max_per_host, smtp_accept_reserve with
// smtp_reserve_hosts, smtp_load_reserve, and smtp_accept_queue. The replies
// and log texts are Exim's (recorded from Exim 4.98).

/** Connections in progress, in total and per client address. */
export class ConnectionCounts {
  total = 0;
  private readonly perHost = new Map<string, number>();

  forHost(ip: string): number {
    return this.perHost.get(ip) ?? 0;
  }

  add(ip: string): void {
    this.total++;
    this.perHost.set(ip, this.forHost(ip) + 1);
  }

  remove(ip: string): void {
    const n = this.forHost(ip);
    if (n <= 0) return;
    this.total--;
    if (n === 1) this.perHost.delete(ip);
    else this.perHost.set(ip, n - 1);
  }
}

export interface LimitOptions {
  /** smtp_accept_max; 0 is no limit. */
  acceptMax: number;
  /** smtp_accept_reserve */
  acceptReserve: number;
  /** smtp_load_reserve in thousandths; undefined when unset. */
  loadReserve?: number;
  /** smtp_accept_queue; 0 is no limit. */
  acceptQueue: number;
}

export interface Refusal {
  /** The whole reply line, without CRLF. */
  reply: string;
  /** The main log line. */
  log: string;
}

/**
 * The checks Exim's daemon makes before it forks: the global limit, then the
 * per-host one. `existing` counts connections already in progress (not this one).
 */
export function checkAcceptLimits(existing: number, existingFromHost: number, maxPerHost: number, o: LimitOptions, who: string): Refusal | undefined {
  if (o.acceptMax > 0 && existing >= o.acceptMax) {
    return { reply: '421 Too many concurrent SMTP connections; please try again later.', log: `Connection from ${who} refused: too many connections` };
  }
  if (maxPerHost > 0 && existingFromHost >= maxPerHost) {
    return {
      reply: '421 Too many concurrent SMTP connections from this IP address; please try again later.',
      log: `Connection from ${who} refused: too many connections from that IP address`,
    };
  }
  return undefined;
}

/** Whether the reserve checks apply at all (then the caller matches smtp_reserve_hosts). */
export function reserveApplies(existing: number, load: number, o: LimitOptions): boolean {
  const overReserve = o.acceptMax > 0 && o.acceptReserve > 0 && existing >= o.acceptMax - o.acceptReserve;
  const overLoad = o.loadReserve !== undefined && load * 1000 > o.loadReserve;
  return overReserve || overLoad;
}

/**
 * The checks Exim makes as the session starts, for hosts not in
 * smtp_reserve_hosts: the reserved connection slots, then the load average.
 */
export function checkReserve(existing: number, load: number, o: LimitOptions, who: string, activeHostname: string): Refusal | undefined {
  if (o.acceptMax > 0 && o.acceptReserve > 0 && existing >= o.acceptMax - o.acceptReserve) {
    return {
      reply: `421 ${activeHostname}: Too many concurrent SMTP connections; please try again later`,
      log: `temporarily refused connection from ${who}: not in reserve list: connected=${existing} max=${o.acceptMax} reserve=${o.acceptReserve}`,
    };
  }
  if (o.loadReserve !== undefined && load * 1000 > o.loadReserve) {
    return {
      reply: `421 ${activeHostname}: Too much load; please try again later`,
      log: `temporarily refused connection from ${who}: not in reserve list and load average = ${load.toFixed(2)}`,
    };
  }
  return undefined;
}

/** smtp_accept_queue: more connections than this (this one included) queue their messages only. */
export function queueOnlyFor(countWithThis: number, o: LimitOptions): boolean {
  return o.acceptQueue > 0 && countWithThis > o.acceptQueue;
}

/**
 * The value of smtp_accept_max_per_host once expanded: digits give the
 * limit; empty means none; anything else is an error for the panic log.
 */
export function parseMaxPerHost(expanded: string): number | { error: string } {
  const t = expanded.trim();
  if (t === '') return 0;
  if (/^\d+$/.test(t)) return Number(t);
  return { error: `expansion of smtp_accept_max_per_host "${expanded}" contains non-digit` };
}
