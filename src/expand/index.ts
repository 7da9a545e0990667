// The string expander's public face: compile once, evaluate many times.
//   expandString(text, ctx)        synchronous; items that would wait (readsocket,
//                                  dnsdb lookups) fail unless already answered
//   expandStringAsync(text, ctx)   the same, replaying after each wait
//   evalCondition(text, ctx)       a condition on its own (ACL "condition =")
//   expandStringWithTaint(...)     the result and whether it is tainted

import type { ExpandContext } from './context.ts';
import { ExpandError } from './errors.ts';
import type { Expansion } from './ast.ts';
import { compileExpansion, NESTING_MESSAGE, Parser } from './parser.ts';
import { evalSeq, newState } from './evaluate.ts';
import { evalCond } from './conditions.ts';
import { runSuspendable, Suspend } from '../util/suspend.ts';
import { setStringExpander } from '../lookups/expander-hook.ts';
import '../lookups/index.ts';

export { compileExpansion } from './parser.ts';
export { registerVariable, resolveVariable, variableNames, type VarGetter } from './variables.ts';
export { ExpandError, ForcedFail } from './errors.ts';
export type { Expansion } from './ast.ts';

/** Largest string the expander accepts or builds (Exim's own limits are of this order). */
export const MAX_EXPANSION_LENGTH = 16 * 1024 * 1024;

function run(exp: Expansion, ctx: ExpandContext, async: boolean): { value: string; tainted: boolean } {
  if (exp.literal) return { value: exp.text, tainted: false };
  const st = newState(ctx, async);
  let value: string;
  try {
    value = evalSeq(exp.seq, st);
  } catch (e) {
    if (e instanceof RangeError) throw new ExpandError(NESTING_MESSAGE);
    throw e;
  }
  if (value.length > MAX_EXPANSION_LENGTH) throw new ExpandError('expansion result too long');
  return { value, tainted: st.tainted || st.quotedFor !== undefined };
}

function compile(text: string | Expansion): Expansion {
  if (typeof text !== 'string') return text;
  if (text.length > MAX_EXPANSION_LENGTH) throw new ExpandError('string too long for expansion');
  return compileExpansion(text);
}

/** Expand synchronously. Throws ExpandError (ForcedFail for forced failure). */
export function expandString(text: string | Expansion, ctx: ExpandContext): string {
  return expandStringWithTaint(text, ctx).value;
}

export function expandStringWithTaint(text: string | Expansion, ctx: ExpandContext): { value: string; tainted: boolean } {
  const exp = compile(text);
  try {
    return run(exp, ctx, false);
  } catch (e) {
    if (e instanceof Suspend) throw new ExpandError(`expansion has to wait for ${e.key.split('\0')[0]}: use the asynchronous expander`);
    throw e;
  }
}

/**
 * Expand, waiting only if an item has to: the result itself when the
 * expansion finished synchronously (no Promise on the fast path), else a
 * Promise. Throws (or rejects with) ExpandError.
 */
export function expandStringOrWait(text: string | Expansion, ctx: ExpandContext): string | Promise<string> {
  const exp = compile(text);
  try {
    return run(exp, ctx, true).value;
  } catch (e) {
    if (!(e instanceof Suspend)) throw e;
    return (async () => {
      ctx.memo.record(e.key, await settle(e.job));
      return (await runSuspendable(ctx.memo, () => run(exp, ctx, true))).value;
    })();
  }
}

async function settle(job: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await job() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Expand, waiting for DNS, sockets and commands as needed. */
export async function expandStringAsync(text: string | Expansion, ctx: ExpandContext): Promise<string> {
  return (await expandStringAsyncWithTaint(text, ctx)).value;
}

export async function expandStringAsyncWithTaint(text: string | Expansion, ctx: ExpandContext): Promise<{ value: string; tainted: boolean }> {
  const exp = compile(text);
  if (exp.literal) return { value: exp.text, tainted: false };
  return runSuspendable(ctx.memo, () => run(exp, ctx, true));
}

const condCache = new Map<string, ReturnType<Parser['cond']>>();

/**
 * Evaluate a condition written as in ${if <condition> ...}, e.g. "eq{$a}{b}".
 * (An ACL's `condition =` expands its string and tests the result; this is for
 * callers that hold a bare condition.)
 */
export function evalCondition(text: string, ctx: ExpandContext): boolean {
  let c = condCache.get(text);
  if (!c) {
    const p = new Parser(text);
    try {
      c = p.cond();
    } catch (e) {
      throw new ExpandError((e as Error).message);
    }
    if (condCache.size > 1000) condCache.clear();
    condCache.set(text, c);
  }
  return evalCond(c, newState(ctx, false));
}

// wildlsearch keys and named lists need the expander; it registers itself here.
setStringExpander((text, ctx) => expandString(text, ctx));
