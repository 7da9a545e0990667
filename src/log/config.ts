// The logger a configuration asks for: log_file_path (expanded when Exim is
// entered), log_selector, write_rejectlog, log_timezone, timezone,
// message_logs and the syslog_* options. Problems are ConfigErrors worded as
// Exim's, so `-bV` reports them before a daemon starts.

import { ConfigError, optionString, type Config } from '../config/index.ts';
import { newContext } from '../expand/context.ts';
import { expandString, ExpandError } from '../expand/index.ts';
import { EximLogger, type LoggerOptions } from './logger.ts';
import { LogPathError } from './paths.ts';
import { parseLogSelector, LogSelectorError, type LogSelector } from './selectors.ts';
import { SyslogError } from './syslog.ts';

function bool(config: Config, name: string): boolean {
  const v = config.getOption(name);
  return v.kind === 'bool' ? v.value : false;
}

function text(config: Config, name: string): string | undefined {
  const v = config.getOption(name);
  return v.kind === 'unset' ? undefined : optionString(config, name);
}

/** log_selector from a configuration (Exim's defaults when unset). */
export function selectorFromConfig(config: Config): LogSelector {
  try {
    return parseLogSelector(text(config, 'log_selector') ?? '');
  } catch (e) {
    if (e instanceof LogSelectorError) throw new ConfigError(e.message);
    throw e;
  }
}

/** The expanded log_file_path. */
export function logFilePathFromConfig(config: Config): string {
  const raw = text(config, 'log_file_path') ?? '';
  if (!raw.includes('$') && !raw.includes('\\')) return raw;
  const options = new Map<string, string>();
  for (const name of ['primary_hostname', 'spool_directory', 'qualify_domain']) options.set(name, optionString(config, name));
  try {
    return expandString(raw, newContext({ namedLists: config.namedLists, options }));
  } catch (e) {
    if (e instanceof ExpandError) throw new ConfigError(`failed to expand log_file_path "${raw}": ${e.message}`);
    throw e;
  }
}

/** Logger options from a configuration; `extra` overrides (pid, stderr, test hooks). */
export function loggerOptionsFromConfig(config: Config, extra: Partial<LoggerOptions> = {}): LoggerOptions {
  return {
    logFilePath: logFilePathFromConfig(config),
    selector: selectorFromConfig(config),
    spoolDirectory: optionString(config, 'spool_directory'),
    writeRejectlog: bool(config, 'write_rejectlog'),
    syslogFacility: text(config, 'syslog_facility'),
    syslogProcessName: text(config, 'syslog_processname'),
    syslogTimestamp: bool(config, 'syslog_timestamp'),
    syslogDuplication: bool(config, 'syslog_duplication'),
    syslogPid: bool(config, 'syslog_pid'),
    logTimezone: bool(config, 'log_timezone'),
    timezone: text(config, 'timezone'),
    messageLogs: bool(config, 'message_logs'),
    ...extra,
  };
}

export function loggerFromConfig(config: Config, extra: Partial<LoggerOptions> = {}): EximLogger {
  const opts = loggerOptionsFromConfig(config, extra);
  try {
    return new EximLogger(opts);
  } catch (e) {
    if (e instanceof LogPathError || e instanceof SyslogError) throw new ConfigError(e.message);
    if (e instanceof Error && /^unknown timezone/.test(e.message)) throw new ConfigError(e.message);
    throw e;
  }
}
