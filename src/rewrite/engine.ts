// Applying rewrite rules to one address (spec "Address rewriting"). Rules
// are tried in order; each one whose flags select this place and whose
// pattern matches replaces the address, and later rules see the result.
// "*" as a replacement stops with the address as it is; a forced expansion
// failure skips the rule (or stops, with "q"); any other failure, or a
// result that is not a qualified address, abandons the whole rewrite.

import { expandString, ForcedFail } from '../expand/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { extractAddress } from '../expand/operators/address.ts';
import type { RewriteRule } from '../config/index.ts';
import { DEFAULT_HEADERS_CHARSET, rfc2047Encode } from '../expand/operators/rfc2047.ts';
import { listRegex } from '../lists/regex.ts';
import { matchRewritePattern, type PatternMatch } from './pattern.ts';
import { ruleAppliesTo, type RewriteWhere } from './where.ts';

export interface RewriteEnv {
  ctx: ExpandContext;
  /** For a rule with "Q" whose result has no domain. */
  qualifyRecipient: string;
  /** Lines Exim writes to its main and panic logs while rewriting. */
  log: (line: string) => void;
  /** With log_selector +address_rewrite: each rewrite that took place, for the main log. */
  logRewrite?: (line: string) => void;
  /** How that log line names an S rule's place (Exim: "smtp recipient" for MAIL and RCPT alike, "smtp sender" under -brw). */
  smtpPlace?: string;
}

const PLACE_NAMES: Record<RewriteWhere, string> = {
  F: 'env-from', T: 'env-to', f: 'from:', t: 'to:', c: 'cc:', b: 'bcc:', r: 'reply-to:', s: 'sender:', S: 'smtp recipient',
};

export interface RewriteResult {
  /** The working address after rewriting (the input when nothing changed). */
  address: string;
  /** With "w": the whole replacement, to stand for the whole address item in a header. */
  whole?: string;
  /** Whether any rule changed the address. */
  changed: boolean;
}

/** An R rule is applied again to its own result at most this many times (eleven applications in all, as exim4 -brw shows). */
const MAX_REPEATS = 10;

type Attempt =
  | { kind: 'no-match' }
  | { kind: 'keep' } // "*": stop, unchanged
  | { kind: 'forced' }
  | { kind: 'abandon' }
  | { kind: 'done'; address: string; whole?: string };

function attempt(rule: RewriteRule, address: string, where: RewriteWhere, env: RewriteEnv): Attempt {
  const smtp = where === 'S';
  const m = smtp ? matchSmtpPattern(address, rule.pattern, env) : matchRewritePattern(address, rule.pattern, env.ctx);
  if (!m) return { kind: 'no-match' };
  if (rule.replacement === '*') return { kind: 'keep' };
  const vars = new Map(env.ctx.vars);
  if (smtp) {
    // the command's data need not be an address: no $local_part or $domain
    vars.delete('local_part');
    vars.delete('domain');
  } else {
    const at = address.lastIndexOf('@');
    vars.set('local_part', { value: at < 0 ? address : address.slice(0, at), tainted: false });
    vars.set('domain', { value: at < 0 ? '' : address.slice(at + 1), tainted: false });
  }
  const ctx: ExpandContext = { ...env.ctx, vars, numericVars: { caps: m.numeric, tainted: false } };
  let text: string;
  try {
    text = expandString(rule.replacement, ctx);
  } catch (e) {
    if (e instanceof ForcedFail) return { kind: 'forced' };
    env.log(`Expansion of ${rule.replacement} failed while rewriting: ${e instanceof Error ? e.message : String(e)}`);
    return { kind: 'abandon' };
  }
  // "<>" is a fine result for a MAIL command
  const parsed = extractAddress(text, smtp);
  if ('error' in parsed) {
    env.log(`Rewrite of ${address} yielded unparseable address: ${parsed.error} in address ${text}`);
    return { kind: 'abandon' };
  }
  let working = parsed.address;
  if (parsed.domainStart === 0 && working !== '') {
    if (!rule.flags.includes('Q')) {
      env.log(`Rewrite of ${address} yielded unqualified address "${text}"`);
      return { kind: 'abandon' };
    }
    working = `${working}@${env.qualifyRecipient}`;
  }
  return { kind: 'done', address: working, whole: rule.flags.includes('w') ? encodePhrase(text, env.ctx) : undefined };
}

/**
 * A "w" replacement goes into a header whole: a phrase before its "<" with
 * characters outside printable ASCII (tab aside) is RFC 2047 encoded in
 * headers_charset, as Exim does.
 */
function encodePhrase(whole: string, ctx: ExpandContext): string {
  const lt = whole.indexOf('<');
  if (lt < 0) return whole;
  const phrase = whole.slice(0, lt).trimEnd();
  if (!/[^\t\x20-\x7e]/.test(phrase)) return whole;
  const charset = ctx.options?.get('headers_charset') || DEFAULT_HEADERS_CHARSET;
  return `${rfc2047Encode(phrase, charset)}${whole.slice(phrase.length)}`;
}

/**
 * An S rule's pattern is a regular expression, matched against the raw
 * data of the MAIL or RCPT command (brackets and all, case as given).
 */
function matchSmtpPattern(data: string, pattern: string, env: RewriteEnv): PatternMatch | undefined {
  let text: string;
  try {
    text = expandString(pattern, env.ctx);
  } catch (e) {
    env.log(`failed to expand "${pattern}" while checking for SMTP rewriting: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  let m: (string | undefined)[] | null;
  try {
    m = listRegex(text, false).exec(data);
  } catch (e) {
    env.log(`${e instanceof Error ? e.message : String(e)} while checking for SMTP rewriting`);
    return undefined;
  }
  return m ? { numeric: m.map((x) => x ?? '') } : undefined;
}

/** Rewrite one address found at `where` by `rules`. */
export function rewriteAddress(address: string, where: RewriteWhere, rules: readonly RewriteRule[], env: RewriteEnv): RewriteResult {
  let current = address;
  let whole: string | undefined;
  let changed = false;
  for (const [index, rule] of rules.entries()) {
    if (!ruleAppliesTo(rule.flags, where)) continue;
    const stopAfter = rule.flags.includes('q');
    const repeat = rule.flags.includes('R');
    let applied = 0;
    let stop: boolean;
    for (;;) {
      const r = attempt(rule, current, where, env);
      if (r.kind === 'abandon') return { address, changed: false };
      if (r.kind === 'keep') return { address: current, whole, changed };
      if (r.kind === 'forced') {
        stop = stopAfter;
        break;
      }
      if (r.kind === 'no-match') {
        // q stops only a rule that was invoked: with R, once it has rewritten
        stop = stopAfter && applied > 0;
        break;
      }
      const place = where === 'S' ? env.smtpPlace ?? PLACE_NAMES.S : PLACE_NAMES[where];
      env.logRewrite?.(`"${current}" from ${place} rewritten as "${r.whole ?? r.address}" by rule ${index + 1}`);
      current = r.address;
      whole = r.whole;
      changed = true;
      applied++;
      if (!repeat) {
        stop = stopAfter;
        break;
      }
      if (applied > MAX_REPEATS) {
        env.log(`rewrite rule repeat ignored after ${MAX_REPEATS} times`);
        stop = stopAfter;
        break;
      }
    }
    if (stop) break;
  }
  return { address: current, whole, changed };
}
