// tern's entry point: parse Exim's command line and hand over to one mode.
// Each mode lives in its own module under cli/ and is imported on demand so
// that one-shot modes (-bV, sendmail) load only what they use.

import module from 'node:module';
import path from 'node:path';
import { parseArgs, UsageError, type CliOptions } from './cli/args.ts';
import { PanicDie } from './log/panic-die.ts';
import { LogClock } from './log/timestamp.ts';

module.enableCompileCache?.();

type ModeMain = (opts: CliOptions) => Promise<number>;

const MODES: Partial<Record<CliOptions['mode'], () => Promise<{ main: ModeMain }>>> = {
  version: () => import('./cli/version.ts'),
  print: () => import('./cli/print-config.ts'),
  expand: () => import('./cli/expand-test.ts'),
  submit: () => import('./cli/submit.ts'),
  'queue-list': () => import('./cli/queue-list.ts'),
  'queue-count': () => import('./cli/queue-list.ts'),
  'smtp-stdin': () => import('./cli/smtp-stdin.ts'),
  'batch-smtp': () => import('./cli/batch-smtp.ts'),
  'host-check': () => import('./cli/host-check.ts'),
  'address-test': () => import('./cli/address-test.ts'),
  verify: () => import('./cli/address-test.ts'),
  daemon: () => import('./cli/daemon.ts'),
  'filter-test': () => import('./cli/filter-test.ts'),
  'malware-test': () => import('./cli/malware-test.ts'),
  'rewrite-test': () => import('./cli/rewrite-test.ts'),
};

async function run(): Promise<number> {
  const argv0 = path.basename(process.env.TERN_ARGV0 ?? process.argv[1] ?? 'tern');
  let opts: CliOptions;
  try {
    opts = parseArgs(process.argv.slice(2), argv0);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(e.message + '\n');
      return 1;
    }
    throw e;
  }
  const load = MODES[opts.mode];
  if (!load) {
    process.stderr.write(`tern: ${opts.modeFlag ?? opts.mode} is not implemented yet\n`);
    return 1;
  }
  const mode = await load();
  try {
    return await mode.main(opts);
  } catch (e) {
    if (!(e instanceof PanicDie)) throw e;
    // a failure Exim dies of: -bt shows it as a "LOG:" block (checked with exim4),
    // the other modes as a log line on stderr
    if (opts.mode === 'address-test') process.stderr.write(`LOG: MAIN PANIC DIE\n  ${e.message}\n`);
    else process.stderr.write(`${new LogClock({ millisec: false, withZone: false }).format(new Date())} ${e.message}\n`);
    return 1;
  }
}

run().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`tern: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
