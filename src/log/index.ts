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

export { senderFullhost, hostAndIdent, arrivalHostInfo, connectionPeer, type LogPeer } from './host.ts';
export {
  formatArrival, formatAclRejection, formatConnectionOpened, formatConnectionClosed, formatNoMail, formatCommandTimeout,
  formatSyntaxError, formatProtocolError, formatTooManyErrors, formatEarlyInput, formatSyncError,
  formatIncompleteTransaction, formatRejectHeaders, formatDuration, formatSeconds, tlsFields, authField,
  pipeliningField, subjectField, commandHistory,
  type Arrival, type AclRejection, type LogTls, type LogAuth, type LogPipelining,
} from './format.ts';
export { TEXT, CONNECTION_END, SYNC_REASON, ACL_WHERE_WORD, type AclWhere } from './texts.ts';
