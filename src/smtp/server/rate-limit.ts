// smtp_ratelimit_hosts / smtp_ratelimit_mail / smtp_ratelimit_rcpt: the
// older, per-connection rate limiting. Each option is "threshold, base
// delay, factor, limit": once a count passes the threshold, each further
// command waits, starting at the base delay and multiplying it by the
// factor each time, never more than the limit. MAIL commands count over the
// connection, RCPT commands within one message.

import { optString } from './options.ts';
import type { SmtpSession } from './session.ts';

export interface RateLimitSpec {
  threshold: number;
  baseMs: number;
  factor: number;
  limitMs: number;
}

/** A time that may have a decimal fraction ("0.5s", "4m", "1h30m", "2"), in milliseconds. */
function fractionalTimeMs(text: string): number {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  let pos = 0;
  const re = /(\d+(?:\.\d+)?)([wdhms])/gy;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * { w: 604800, d: 86400, h: 3600, m: 60, s: 1 }[m[2] as 'w'] * 1000;
    pos = re.lastIndex;
  }
  if (pos !== t.length || t === '') return Number.NaN;
  return total;
}

/** Parse one option's value; throws a clear error for a malformed one. */
export function parseRateLimit(name: string, text: string): RateLimitSpec {
  const parts = text.split(',');
  const threshold = Number(parts[0]?.trim());
  const baseMs = fractionalTimeMs(parts[1] ?? '');
  const factor = Number(parts[2]?.trim());
  const limitMs = fractionalTimeMs(parts[3] ?? '');
  if (parts.length !== 4 || !Number.isInteger(threshold) || threshold < 0 || !(baseMs >= 0) || !(factor > 0) || !(limitMs >= 0)) {
    throw new Error(`${name}: "${text}" is not "threshold,delay,factor,limit"`);
  }
  return { threshold, baseMs, factor, limitMs };
}

/** One counter (MAIL or RCPT) with its current delay. */
export interface RateLimiter {
  spec: RateLimitSpec;
  nextDelayMs: number;
}

export interface SessionRateLimits {
  mail?: RateLimiter;
  rcpt?: RateLimiter;
}

/** At the start of a session: the limits that apply to this client, if it matches smtp_ratelimit_hosts. */
export async function loadRateLimits(s: SmtpSession): Promise<SessionRateLimits> {
  const mail = optString(s.config, 'smtp_ratelimit_mail');
  const rcpt = optString(s.config, 'smtp_ratelimit_rcpt');
  if (!mail && !rcpt) return {};
  if (!await s.hostInList('smtp_ratelimit_hosts')) return {};
  const make = (name: string, text: string | undefined): RateLimiter | undefined => {
    if (!text) return undefined;
    const spec = parseRateLimit(name, text);
    return { spec, nextDelayMs: spec.baseMs };
  };
  return { mail: make('smtp_ratelimit_mail', mail), rcpt: make('smtp_ratelimit_rcpt', rcpt) };
}

/** The delay for the count-th command (1-based); 0 at or below the threshold. Advances the limiter. */
export function takeDelay(l: RateLimiter, count: number): number {
  if (count <= l.spec.threshold) return 0;
  const d = Math.min(l.nextDelayMs, l.spec.limitMs);
  l.nextDelayMs = Math.min(l.nextDelayMs * l.spec.factor, l.spec.limitMs);
  return d;
}

/** RCPT delays start again at the base for each message. */
export function resetRcptDelay(limits: SessionRateLimits): void {
  if (limits.rcpt) limits.rcpt.nextDelayMs = limits.rcpt.spec.baseMs;
}
