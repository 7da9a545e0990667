// log_file_path: where the three logs go.
//
// The value is a colon-separated list (the separator may not be changed) of
// at most one file pattern and "syslog". A file pattern is absolute and holds
// "%s" where "main", "reject" or "panic" goes, and may hold "%D" (yyyymmdd) or
// "%M" (yyyymm) datestamps; an empty item means the default,
// <spool_directory>/log/%slog.

export type LogName = 'main' | 'reject' | 'panic';

export interface LogDestinations {
  /** The file pattern, if logs go to files. */
  file?: string;
  syslog: boolean;
  /** Problems Exim reports on the panic log but survives (extra paths). */
  warnings: string[];
}

export class LogPathError extends Error {
  override name = 'LogPathError';
}

export function parseLogFilePath(value: string, spoolDirectory: string): LogDestinations {
  const items = value.split(':').map((s) => s.trim());
  const out: LogDestinations = { syslog: false, warnings: [] };
  const files: string[] = [];
  for (const item of items) {
    if (item === 'syslog') out.syslog = true;
    else files.push(item === '' ? `${spoolDirectory}/log/%slog` : item);
  }
  if (files.length > 1) out.warnings.push(`More than one path given in log_file_path: using ${files[0]}`);
  const file = files[0];
  if (file !== undefined) {
    if (!file.startsWith('/')) throw new LogPathError(`log_file_path "${file}" is not an absolute path`);
    if (!file.includes('%s')) throw new LogPathError(`log_file_path "${file}" does not contain "%s"`);
    out.file = file;
  }
  return out;
}

/** Does the pattern name a different file each day or month? */
export function isDatestamped(pattern: string): boolean {
  return pattern.includes('%D') || pattern.includes('%M');
}

const ALNUM = /[A-Za-z0-9]/;

/**
 * The panic log is never datestamped: %D/%M are removed with one separator
 * next to them (the following one right after a slash, else the preceding).
 */
function stripDatestamps(pattern: string): string {
  let s = pattern;
  for (;;) {
    const i = s.search(/%[DM]/);
    if (i < 0) return s;
    let from = i;
    let to = i + 2;
    if (i > 0 && s[i - 1] === '/') {
      if (to < s.length && !ALNUM.test(s[to]!)) to++;
    } else if (i > 0 && !ALNUM.test(s[i - 1]!)) {
      from--;
    }
    s = s.slice(0, from) + s.slice(to);
  }
}

/** The file name for one log on a given civil date. */
export function logFileName(pattern: string, log: LogName, date: { y: number; mo: number; d: number }): string {
  const base = log === 'panic' ? stripDatestamps(pattern) : pattern;
  const ym = `${date.y}${String(date.mo).padStart(2, '0')}`;
  return base.replace(/%[sDM]/g, (m) => (m === '%s' ? log : m === '%M' ? ym : ym + String(date.d).padStart(2, '0')));
}
