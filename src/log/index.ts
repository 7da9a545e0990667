// Exim's logs: mainlog, rejectlog, paniclog (and per-message logs), in Exim's
// line formats, with log_selector and log_file_path (files, %D/%M
// datestamps, syslog).
//
//   parseLogSelector(text)       log_selector on top of Exim's defaults
//   createLogger(opts)           a logger from explicit options
//   loggerFromConfig(config)     the logger a configuration asks for
//   format*/texts                the line fragments and fixed texts other
//                                modules log, kept here in one place

import { EximLogger, type Logger, type LoggerOptions } from './logger.ts';

export type { Logger, LoggerOptions, RejectOptions } from './logger.ts';
export { EximLogger, removeMessageLog } from './logger.ts';
export {
  parseLogSelector, defaultLogSelector, LogSelectorError, LOG_SELECTOR_NAMES, DEFAULT_LOG_SELECTORS,
  type LogSelector, type LogSelectorName,
} from './selectors.ts';
export { parseLogFilePath, logFileName, LogPathError, type LogName, type LogDestinations } from './paths.ts';
export { splitForSyslog, SyslogError, SYSLOG_FACILITIES } from './syslog.ts';
export { LogClock, formatOffset } from './timestamp.ts';
export { stringPrinting } from './printing.ts';
export { loggerFromConfig, loggerOptionsFromConfig, selectorFromConfig, logFilePathFromConfig } from './config.ts';

export function createLogger(opts: LoggerOptions): Logger {
  return new EximLogger(opts);
}
