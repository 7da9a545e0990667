// -brw: show what the "begin rewrite" rules do to one address in each place
// it can appear in an incoming message (spec "Testing the rewriting rules
// that apply on input"), in Exim's layout: an "SMTP:" line when an S rule
// changed the argument, then six header lines (the argument as a header's
// text, its working address replaced) and the two envelope fields.

import type { CliOptions } from './args.ts';
import { loadConfigForMode } from './load-config.ts';
import { formatLogTime } from './log-time.ts';
import { configExpandContext } from '../config/expand-context.ts';
import { selectorFromConfig } from '../log/config.ts';
import type { Config, RewriteRule } from '../config/index.ts';
import { expandString } from '../expand/index.ts';
import { extractAddressWithSpan } from '../expand/operators/address.ts';
import { rewriteAddress, type RewriteEnv, type RewriteWhere } from '../rewrite/index.ts';

const PLACES: readonly [string, RewriteWhere][] = [
  ['sender', 's'], ['from', 'f'], ['to', 't'], ['cc', 'c'], ['bcc', 'b'], ['reply-to', 'r'], ['env-from', 'F'], ['env-to', 'T'],
];

/** Whether any rule can act on something other than SMTP command data. */
function hasNonSmtpRules(rules: readonly RewriteRule[]): boolean {
  return rules.some((r) => r.flags === '' || [...r.flags].some((c) => c !== 'S'));
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The lines -brw prints for `arg`. */
export function rewriteTestReport(arg: string, rules: readonly RewriteRule[], env: RewriteEnv): string {
  if (rules.length === 0) return 'No rewrite rules are defined\n';
  let out = '';
  let smtpShown = false;
  if (rules.some((r) => r.flags.includes('S'))) {
    const r = rewriteAddress(arg, 'S', rules, env);
    if (r.changed) {
      out += `    SMTP: ${r.address === '' ? '<>' : r.address}\n`;
      smtpShown = true;
    }
  }
  if (!hasNonSmtpRules(rules)) return out;
  // an argument without "@" is a local part, qualified as a recipient would be
  const text = arg.includes('@') ? arg : `${arg}@${env.qualifyRecipient}`;
  const parsed = extractAddressWithSpan(text);
  if ('error' in parsed) {
    return smtpShown ? out : `${out}Syntax error in ${text}\n${capitalised(parsed.error)}\n`;
  }
  const { start, end } = parsed;
  for (const [label, where] of PLACES) {
    const r = rewriteAddress(parsed.address, where, rules, env);
    let shown: string;
    if (where === 'F' || where === 'T') shown = r.address;
    else if (r.whole !== undefined) shown = r.whole;
    else shown = `${text.slice(0, start)}${r.address}${text.slice(end)}`;
    out += `${label.padStart(8)}: ${shown}\n`;
  }
  return out;
}

/** What -brw rewrites with: log lines (failures, and each rewrite under +address_rewrite) go to `log`. */
export function rewriteTestEnv(config: Config, log: (line: string) => void): RewriteEnv {
  const ctx = configExpandContext(config);
  const env: RewriteEnv = { ctx, qualifyRecipient: expandString('$qualify_recipient', ctx), log, smtpPlace: 'smtp sender' };
  if (selectorFromConfig(config).has('address_rewrite')) env.logRewrite = log;
  return env;
}

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfigForMode(opts);
  if (!config) return 1;
  if (opts.args.length === 0) {
    process.stdout.write('-brw needs an address argument\n');
    return 1;
  }
  const env = rewriteTestEnv(config, (line) => process.stderr.write(`${formatLogTime(new Date())} ${line}\n`));
  process.stdout.write(rewriteTestReport(opts.args[0], config.rewrite, env));
  return 0;
}
