// A command line from the configuration (smtp_etrn_command, queryprogram's
// command): split like a pipe command ("..." and '...' group), each argument
// expanded on its own; an argument carrying tainted data is refused, as Exim
// 4.98 refuses it. Other errors than expansion errors are thrown.

import type { ExpandContext } from './context.ts';
import { ExpandError, expandStringAsyncWithTaint } from './index.ts';
import { splitCommand } from './items-io.ts';

export type CommandArgs =
  | { argv: string[] }
  | { tainted: { index: number; value: string } }
  | { failed: { word: string; message: string } };

export async function expandCommandArgs(command: string, ctx: ExpandContext): Promise<CommandArgs> {
  const argv: string[] = [];
  for (const [index, word] of splitCommand(command).entries()) {
    let r: { value: string; tainted: boolean };
    try {
      r = await expandStringAsyncWithTaint(word, ctx);
    } catch (e) {
      if (e instanceof ExpandError) return { failed: { word, message: e.message } };
      throw e;
    }
    if (r.tainted) return { tainted: { index, value: r.value } };
    argv.push(r.value);
  }
  return { argv };
}
