// Exim message ids (spec, "Message identification").
//
// The 4.97+ form is 23 characters: TTTTTT-PPPPPPPPPPP-FFFF, base 62, where T is
// the arrival time in seconds, P the receiving process id and F the
// sub-second part: microseconds, or, when localhost_number is set,
// localhost_number * 500000 + (microseconds / 2). The older 16-character form
// TTTTTT-PPPPPP-FF is still read.
//
// Uniqueness: the pid tells concurrent processes apart (worker processes,
// never threads of one process); within a process, ids are issued from a
// strictly increasing clock, so two messages of one process never share the
// sub-second field even when they arrive in the same microsecond. Exim waits
// for the clock to tick instead; we step our own clock forward by one unit,
// which is equivalent and does not block the event loop. The spool writer
// creates the -D file exclusively as the final guard.

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Largest localhost_number that still fits the 4-character field (62^4 = 14776336). */
export const MAX_LOCALHOST_NUMBER = 16;

export const MESSAGE_ID_RE = /^[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}$/;
export const OLD_MESSAGE_ID_RE = /^[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}$/;

/** True for a message id of either form. */
export function isMessageId(s: string): boolean {
  return MESSAGE_ID_RE.test(s) || OLD_MESSAGE_ID_RE.test(s);
}

export function encodeBase62(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`base62: bad value ${value}`);
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  if (v !== 0) throw new RangeError(`base62: ${value} does not fit in ${width} characters`);
  return out;
}

export function decodeBase62(s: string): number {
  let v = 0;
  for (const c of s) {
    const d = BASE62.indexOf(c);
    if (d < 0) throw new RangeError(`base62: bad digit "${c}"`);
    v = v * 62 + d;
  }
  return v;
}

export interface ParsedMessageId {
  /** Arrival time, seconds since the epoch. */
  time: number;
  pid: number;
  /** The sub-second field as a number (its unit depends on the form and on localhost_number). */
  fraction: number;
  /** 'new' for the 23-character form, 'old' for the 16-character one. */
  form: 'new' | 'old';
}

export function parseMessageId(id: string): ParsedMessageId | null {
  const form = MESSAGE_ID_RE.test(id) ? 'new' : OLD_MESSAGE_ID_RE.test(id) ? 'old' : null;
  if (!form) return null;
  const [t, p, f] = id.split('-');
  return { time: decodeBase62(t), pid: decodeBase62(p), fraction: decodeBase62(f), form };
}

/** Split-spool subdirectory of a message: the sixth character, the last base-62 digit of its arrival second. */
export function messageSubdir(id: string): string {
  return id[5];
}

export interface NewIdOptions {
  /** The localhost_number option, already expanded; undefined when unset. */
  localhostNumber?: number;
  /** Injection points for tests. */
  pid?: number;
  nowMicros?: bigint;
}

function clockMicros(): bigint {
  // Wall-clock microseconds: the epoch offset from Date, the resolution from hrtime.
  return hrtimeEpochBase + process.hrtime.bigint() / 1000n;
}
const hrtimeEpochBase = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;

/** Last instant (in id units since the epoch) issued by this process, per localhost_number setting. */
const lastIssued = new Map<string, bigint>();

/**
 * Issue a new 23-character id. `timeMicros` of the result is the arrival
 * time the id encodes (use it for received_time so that both agree).
 */
export function newMessageId(opts: NewIdOptions = {}): { id: string; timeMicros: bigint } {
  const ln = opts.localhostNumber;
  if (ln !== undefined && (!Number.isInteger(ln) || ln < 0 || ln > MAX_LOCALHOST_NUMBER)) {
    throw new RangeError(`localhost_number is greater than the maximum allowed value (${MAX_LOCALHOST_NUMBER})`);
  }
  const unit = ln === undefined ? 1n : 2n; // microseconds per step of the fraction field
  const perSecond = 1_000_000n / unit;
  const key = opts.pid !== undefined ? `${ln}/${opts.pid}` : String(ln);
  let step = (opts.nowMicros ?? clockMicros()) / unit;
  const last = lastIssued.get(key);
  if (last !== undefined && step <= last) step = last + 1n;
  lastIssued.set(key, step);
  const seconds = Number(step / perSecond);
  let fraction = Number(step % perSecond);
  if (ln !== undefined) fraction += ln * 500_000;
  const id = `${encodeBase62(seconds, 6)}-${encodeBase62(opts.pid ?? process.pid, 11)}-${encodeBase62(fraction, 4)}`;
  return { id, timeMicros: step * unit };
}
