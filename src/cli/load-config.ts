// Loading the configuration for a command-line mode: a configuration error
// is printed on stderr as Exim prints it, and the mode exits with 1.

import type { CliOptions } from './args.ts';
import { ConfigError, findConfigFile, loadConfig, type Config } from '../config/index.ts';

/** The configuration, or undefined after its error was printed (the caller exits 1). */
export function loadConfigForMode(opts: CliOptions): Config | undefined {
  try {
    return loadConfig(findConfigFile(opts), opts.macros);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(e.message + '\n');
    return undefined;
  }
}
