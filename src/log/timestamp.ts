// The timestamp at the start of every log line: "YYYY-MM-DD HH:MM:SS",
// with ".mmm" under +millisec and " +hhmm" under log_timezone.
//
// The time zone is the process's own (TZ), or the `timezone` option when the
// logger is given one; formatting for a named zone goes through Intl, cached
// per second because the same second is formatted many times in a row.

export interface TimestampOptions {
  millisec: boolean;
  /** log_timezone: append the UTC offset. */
  withZone: boolean;
  /** An IANA zone name (the `timezone` option); the process's zone when absent. */
  timeZone?: string;
}

interface Civil {
  y: number; mo: number; d: number; h: number; mi: number; s: number;
  /** Minutes east of UTC. */
  offset: number;
}

const p2 = (n: number): string => (n < 10 ? '0' : '') + n;

export function formatOffset(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const a = Math.abs(minutesEast);
  return `${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

function localCivil(d: Date): Civil {
  return {
    y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(),
    h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), offset: -d.getTimezoneOffset(),
  };
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneCivil(d: Date, timeZone: string): Civil {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    zoneFormatters.set(timeZone, f);
  }
  const part: Record<string, number> = {};
  for (const x of f.formatToParts(d)) if (x.type !== 'literal') part[x.type] = Number(x.value);
  const c: Civil = { y: part.year!, mo: part.month!, d: part.day!, h: part.hour!, mi: part.minute!, s: part.second!, offset: 0 };
  const asUtc = Date.UTC(c.y, c.mo - 1, c.d, c.h, c.mi, c.s);
  c.offset = Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60000);
  return c;
}

/** Check a zone name early (config time) rather than at the first log line. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown timezone "${timeZone}"`);
  }
}

/** Civil time of `d` in the given zone (the process's when undefined). */
export function civilTime(d: Date, timeZone?: string): Civil {
  return timeZone === undefined ? localCivil(d) : zoneCivil(d, timeZone);
}

/** Formats timestamps, remembering the last second's text. */
export class LogClock {
  private readonly opts: TimestampOptions;
  private lastSecond = -1;
  private lastText = '';
  private lastCivil: Civil | undefined;
  constructor(opts: TimestampOptions) {
    this.opts = opts;
  }

  /** The civil time of the last formatted instant (for %D/%M datestamps). */
  civil(d: Date): Civil {
    this.format(d);
    return this.lastCivil!;
  }

  format(d: Date): string {
    const ms = d.getTime();
    const second = Math.floor(ms / 1000);
    if (second !== this.lastSecond) {
      const c = civilTime(d, this.opts.timeZone);
      this.lastCivil = c;
      this.lastSecond = second;
      this.lastText = `${c.y}-${p2(c.mo)}-${p2(c.d)} ${p2(c.h)}:${p2(c.mi)}:${p2(c.s)}`;
    }
    let t = this.lastText;
    if (this.opts.millisec) t += '.' + String(ms - second * 1000).padStart(3, '0');
    if (this.opts.withZone) t += ' ' + formatOffset(this.lastCivil!.offset);
    return t;
  }
}
