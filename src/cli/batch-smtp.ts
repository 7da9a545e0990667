// -bS: batched SMTP on stdin. No replies except for errors; HELO/EHLO act
// as RSET, VRFY/EXPN/ETRN/ATRN/HELP as NOOP, QUIT quits. An error stops
// the batch with Exim's stylised report on stdout and a longer one on
// stderr; the exit code is 0 (no errors), 1 (some messages accepted) or 2.

import type { CliOptions } from './args.ts';

export function main(_opts: CliOptions): Promise<number> {
  // The session does not yet keep line numbers for the stylised error report, nor run
  // acl_not_smtp as -bS requires; refuse rather than accept mail without those checks.
  process.stderr.write('tern: -bS (batched SMTP) is not implemented yet\n');
  return Promise.resolve(1);
}
