// ratelimit = m / p / options / key (section "Rate limiting incoming
// messages"): an exponentially smoothed rate per key in the ratelimit hints
// database, with Exim's leaky/strict/readonly update modes, per_* measures,
// count= and unique= (a Bloom filter of events seen in the period).

import { createHash } from 'node:crypto';
import { readTime } from '../config/values.ts';
import { openHintsDb, type HintsDb } from '../hints/db.ts';
import { decodeRate, encodeRate, MIN_BLOOM_BYTES, type RateRecord } from '../hints/ratelimit.ts';
import { splitList } from '../lists/index.ts';
import { getVar, setVar, trace, type Rc, type RunState } from './state.ts';
import { isMessageWhere, WHERE_NAMES } from './tables.ts';

type Mode = '?' | '!' | 'per_addr' | 'per_byte' | 'per_cmd' | 'per_conn' | 'per_mail' | 'per_rcpt' | 'per_allrcpts';

/** How the mode appears in the database key (per_allrcpts is stored as per_rcpt). */
const KEY_NAME: Record<Mode, string> = {
  '?': '?', '!': '!', per_addr: 'per_addr', per_byte: 'per_byte', per_cmd: 'per_cmd', per_conn: 'per_conn',
  per_mail: 'per_mail', per_rcpt: 'per_rcpt', per_allrcpts: 'per_rcpt',
};

function setMode(mode: Mode, next: Mode): Mode {
  return mode === '?' || mode === next ? next : '!';
}

function error(st: RunState, msg: string): Rc {
  st.logMsg = `error in arguments to "ratelimit" condition: ${msg}`;
  return 'ERROR';
}

/** Parse a number like C's strtod: the longest numeric prefix; rest returned. */
function strtod(s: string): { value: number; rest: string } {
  const m = /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)/i.exec(s);
  if (!m) return { value: 0, rest: s };
  return { value: Number(m[0].trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')), rest: s.slice(m[0].length) };
}

/** The per-connection and per-message memories of computed rates. */
function anchors(st: RunState): { conn: Map<string, unknown>; mail: Map<string, unknown>; cmd: Map<string, unknown> } {
  return { conn: st.actx.conn.ratelimitSeen, mail: st.actx.msg.ratelimitSeen, cmd: st.cmdRatelimits as Map<string, unknown> };
}

export function ratelimitCondition(st: RunState, arg: string): Rc {
  const parts = splitList(arg, '/');
  const limitText = parts[0];
  setVar(st, 'sender_rate_limit', limitText);
  setVar(st, 'sender_rate_period', parts[1]);
  if (limitText === undefined) return error(st, 'sender rate limit not set');
  let { value: limit, rest } = strtod(limitText);
  const unit = rest[0]?.toLowerCase();
  if (unit === 'k') limit *= 1024;
  else if (unit === 'm') limit *= 1024 * 1024;
  else if (unit === 'g') limit *= 1024 * 1024 * 1024;
  if (unit === 'k' || unit === 'm' || unit === 'g') rest = rest.slice(1);
  if (!(limit >= 0) || rest !== '' || limitText === '') return error(st, `"${limitText}" is not a positive number`);
  const periodText = parts[1];
  const period = periodText === undefined ? -1 : readTime(periodText);
  if (period <= 0) return error(st, `"${periodText ?? '(null)'}" is not a time value`);

  let count = 1;
  let leaky = false, strict = false, readonly = false, noupdate = false, badacl = false;
  let mode: Mode = '?';
  let key: string | undefined;
  let unique: string | undefined;
  const where = st.where;
  const msgWhere = isMessageWhere(where);
  const recipientsCount = Number(getVar(st, 'recipients_count') ?? '0');
  for (const ss of parts.slice(2)) {
    const l = ss.toLowerCase();
    if (l === 'leaky') leaky = true;
    else if (l === 'strict') strict = true;
    else if (l === 'noupdate') noupdate = true;
    else if (l === 'readonly') readonly = true;
    else if (l === 'per_cmd') mode = setMode(mode, 'per_cmd');
    else if (l === 'per_conn') {
      mode = setMode(mode, 'per_conn');
      if (where === 'not_smtp' || where === 'not_smtp_start') badacl = true;
    } else if (l === 'per_mail') {
      mode = setMode(mode, 'per_mail');
      if (!msgWhere) badacl = true;
    } else if (l === 'per_rcpt') {
      if (where === 'rcpt') mode = setMode(mode, 'per_rcpt');
      else if (msgWhere && where !== 'mail') {
        mode = setMode(mode, 'per_allrcpts');
        count = recipientsCount;
      } else {
        mode = setMode(mode, 'per_rcpt');
        badacl = true;
      }
    } else if (l === 'per_byte') {
      mode = setMode(mode, 'per_mail');
      if (!msgWhere) badacl = true;
      else {
        const size = Number(getVar(st, 'message_size') ?? '-1');
        count = size < 0 ? 0 : size;
      }
    } else if (l === 'per_addr') {
      mode = setMode(mode, 'per_rcpt');
      if (where !== 'rcpt') {
        badacl = true;
        unique = '*';
      } else unique = `${getVar(st, 'local_part') ?? ''}@${getVar(st, 'domain') ?? ''}`;
    } else if (l.startsWith('count=')) {
      const c = strtod(ss.slice(6));
      if (!(c.value >= 0) || c.rest !== '' || ss.length === 6) return error(st, `"${ss}" is not a positive number`);
      count = c.value;
    } else if (l.startsWith('unique=')) unique = ss.slice(7);
    else key = key === undefined ? ss : `${key}/${ss}`;
  }
  if (mode === '!') return error(st, 'conflicting per_* options');
  if (Number(leaky) + Number(strict) + Number(readonly) > 1) return error(st, 'conflicting update modes');
  if (badacl && (leaky || strict) && !noupdate) {
    return error(st, `"${KEY_NAME[mode]}" must not have /leaky or /strict option, or cannot be used in ${WHERE_NAMES[where]} ACL`);
  }
  if (noupdate) {
    readonly = true;
    leaky = strict = false;
  }
  if (badacl) readonly = true;
  if (readonly) count = 0;
  if (!strict && !readonly) leaky = true;
  if (mode === '?') mode = 'per_mail';

  key ??= getVar(st, 'sender_host_address') ?? '';
  const dbKey = `${periodText}/${KEY_NAME[mode]}/${unique === undefined ? '' : 'unique/'}${key}`;
  trace(st, `ratelimit condition count=${count.toFixed(0)} ${limit.toFixed(1)}/${dbKey}`);

  const a = anchors(st);
  const anchor = readonly ? a.cmd
    : mode === 'per_conn' ? a.conn
      : mode === 'per_mail' || mode === 'per_byte' || mode === 'per_allrcpts' ? a.mail
        : a.cmd;
  const known = anchor.get(dbKey);
  if (typeof known === 'number') {
    const rate = known.toFixed(1);
    setVar(st, 'sender_rate', rate);
    trace(st, `ratelimit found pre-computed rate ${rate}`);
    return known < limit ? 'FAIL' : 'OK';
  }

  let db: HintsDb;
  try {
    db = openHintsDb(spoolDir(st), 'ratelimit');
  } catch {
    setVar(st, 'sender_rate', undefined);
    trace(st, 'ratelimit database not available');
    st.logMsg = 'ratelimit database not available';
    return 'DEFER';
  }
  // microsecond resolution, as Exim's gettimeofday(): back-to-back events must not look simultaneous
  const nowMs = st.actx.now?.() ?? performance.timeOrigin + performance.now();
  const now = nowMs / 1000;
  let rc: Rc = 'FAIL';
  let rate = 0;
  try {
    db.update(() => {
      const stored = db.get(dbKey);
      let rec: RateRecord | undefined = stored ? decodeRate(stored.data) : undefined;
      let base: RateRecord | undefined = rec;
      if (rec) trace(st, 'ratelimit found key in database');
      if (rec && unique !== undefined && (rec.bloom === undefined || now > (rec.bloomEpoch ?? 0) + period)) {
        trace(st, rec.bloom === undefined ? 'ratelimit discarding undersize Bloom filter' : 'ratelimit discarding old Bloom filter');
        rec = undefined;
      }
      if (!rec) {
        if (unique === undefined) {
          trace(st, 'ratelimit creating new rate data block');
          rec = { time: now, rate: 0 };
        } else {
          trace(st, 'ratelimit creating new Bloom filter');
          const size = Math.max(MIN_BLOOM_BYTES, Math.trunc(limit) * 2);
          rec = { time: now, rate: 0, bloomEpoch: Math.floor(now), bloom: new Uint8Array(size) };
        }
        if (base) {
          rec.time = base.time;
          rec.rate = base.rate;
        }
      } else base = rec;
      if (unique !== undefined && !readonly && rec.bloom) {
        trace(st, `ratelimit checking uniqueness of ${unique}`);
        if (bloomAdd(rec.bloom, unique)) {
          trace(st, 'ratelimit event found in Bloom filter');
          count = 0;
        } else trace(st, 'ratelimit event added to Bloom filter');
      }
      if (!base) {
        trace(st, "ratelimit initializing new key's rate data");
        rec.time = now;
        rec.rate = count;
      } else {
        const interval = now - rec.time <= 0 ? 1e-9 : now - rec.time;
        const iOverP = interval / period;
        const a = Math.exp(-iOverP);
        rec.time = now;
        rec.rate = (1 - a) * count / iOverP + a * rec.rate;
        if (rec.rate < count) rec.rate = count;
      }
      rate = rec.rate;
      rc = rate < limit ? 'FAIL' : 'OK';
      if ((rc === 'FAIL' && leaky) || strict) {
        db.put(dbKey, encodeRate(rec), now);
        trace(st, 'ratelimit db updated');
      } else {
        trace(st, `ratelimit db not updated: ${readonly ? 'readonly mode' : 'over the limit, but leaky'}`);
      }
    });
  } catch (e) {
    setVar(st, 'sender_rate', undefined);
    st.logMsg = `ratelimit database not available: ${(e as Error).message}`;
    return 'DEFER';
  }
  anchor.set(dbKey, rate);
  const text = rate.toFixed(1);
  setVar(st, 'sender_rate', text);
  trace(st, `ratelimit computed rate ${text}`);
  return rc;
}

/** Set the 8 bits of this event; true if all were already set (seen before). */
function bloomAdd(bloom: Uint8Array, event: string): boolean {
  const md5 = createHash('md5').update(event, 'latin1').digest();
  let hash = md5.readUInt32LE(0);
  const hinc = md5.readUInt32LE(4);
  let seen = true;
  for (let n = 0; n < 8; n++, hash = (hash + hinc) >>> 0) {
    const bit = 1 << (hash % 8);
    const byte = Math.floor(hash / 8) % bloom.length;
    if ((bloom[byte] & bit) === 0) {
      bloom[byte] |= bit;
      seen = false;
    }
  }
  return seen;
}

export function spoolDir(st: RunState): string {
  const v = st.actx.config.getOption('spool_directory');
  return v.kind === 'string' ? v.value : '/var/spool/tern';
}
