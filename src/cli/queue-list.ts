// -bp, -bpa, -bpc, -bpi, -bpr, -bpra, -bpri, -bpru, -bpu and mailq: list or
// count the messages of a queue (-qG<name> selects a named queue). Arguments
// after -bp restrict the listing to those message ids.

import type { CliOptions } from './args.ts';
import { loadConfigOrReport, optionString, type Config } from '../config/index.ts';
import { isAdminCaller } from '../receive/caller.ts';
import { countQueue, listQueue, type ListVariant } from '../queue/list.ts';
import { formatLogTime } from './log-time.ts';

/** The spool directory of a configuration, expanded when it holds an expansion. */
export async function spoolDirectoryOf(cfg: Config): Promise<string> {
  const raw = optionString(cfg, 'spool_directory');
  if (!/[$\\]/.test(raw)) return raw;
  const { expandString } = await import('../expand/index.ts');
  const { newContext } = await import('../expand/context.ts');
  return expandString(raw, newContext());
}

function variantOf(flag: string): { variant: ListVariant; unsorted: boolean } {
  const letters = flag.startsWith('-bp') ? flag.slice(3) : '';
  const variant: ListVariant = letters.includes('i') ? 'ids' : letters.includes('a') ? 'plus-generated' : letters.includes('u') ? 'undelivered' : 'all';
  return { variant, unsorted: letters.includes('r') };
}

export async function main(opts: CliOptions): Promise<number> {
  const cfg = loadConfigOrReport(opts, (e) => process.stderr.write(`${formatLogTime(new Date())} ${e.message}\n`));
  if (!cfg) return 1;
  if (cfg.getOption('queue_list_requires_admin').kind === 'bool' && optionString(cfg, 'queue_list_requires_admin') === 'true' && !isAdminCaller(cfg)) {
    process.stderr.write('exim: permission denied; not admin\n');
    return 1;
  }
  const spoolDir = await spoolDirectoryOf(cfg);
  const queueName = opts.queueInterval?.startsWith('G') ? opts.queueInterval.slice(1).replace(/\/.*$/, '') : '';
  if (opts.mode === 'queue-count') {
    process.stdout.write(`${await countQueue(spoolDir, queueName)}\n`);
    return 0;
  }
  const { variant, unsorted } = variantOf(opts.modeFlag ?? '-bp');
  // The listing holds the spool's byte strings: write them back as the bytes they are.
  process.stdout.write(Buffer.from(await listQueue({ spoolDir, queueName, variant, unsorted, ids: opts.args }), 'latin1'));
  return 0;
}
