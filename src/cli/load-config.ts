// Loading the configuration for a command-line mode: a configuration error
// is printed on stderr as Exim prints it (with the time, as a log line; "LOG: "
// under -bh, where log lines go to stderr), and the mode exits with 1.

import type { CliOptions } from './args.ts';
import { ConfigError, findConfigFile, loadConfig, type Config } from '../config/index.ts';
import { formatLogTime } from './log-time.ts';

/** The configuration, or undefined after its error was printed (the caller exits 1). */
export function loadConfigForMode(opts: CliOptions, style: 'logtime' | 'host-check' = 'logtime'): Config | undefined {
  try {
    return loadConfig(findConfigFile(opts), opts.macros);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${style === 'host-check' ? 'LOG:' : formatLogTime(new Date())} ${e.message}\n`);
    return undefined;
  }
}
