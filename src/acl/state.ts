// The state of one ACL run (one call of runAcl, including the ACLs it calls
// through `acl =`), and the small machinery that lets synchronous
// evaluation wait: evaluation is a generator that yields a Wait when it
// needs an answer from the outside world (DNS, a socket, a timer, address
// verification); the asynchronous driver awaits it and resumes. Pure ACLs
// never yield, so they cost no promise.

import { Suspend } from '../util/suspend.ts';
import { ExpandError, expandStringAsyncWithTaint, expandStringWithTaint, type Expansion } from '../expand/index.ts';
import type { AclContext, AclWhere } from './types.ts';
import type { ListCache } from '../lists/walk.ts';
import { holdTrace, indentFor, traceLeak } from '../lists/trace.ts';

/** Exim's internal results of conditions, statements and ACLs. */
export type Rc = 'OK' | 'FAIL' | 'DEFER' | 'ERROR' | 'DISCARD' | 'FAIL_DROP';

/** Something to wait for. memo: record the answer in the expansion memo under key (a replayed Suspend). */
export interface Wait {
  key: string;
  job: () => Promise<unknown>;
  memo: boolean;
}

export type Step<T> = Generator<Wait, T, unknown>;

export type LogTarget = 'main' | 'reject' | 'panic';

export interface RunState {
  actx: AclContext;
  where: AclWhere;
  /** Run for ${acl} inside a synchronous expansion: waits become Suspend thrown to the caller. */
  sync: boolean;
  level: number;
  /** ratelimit results remembered for this command only (readonly, per_cmd, per_rcpt). */
  cmdRatelimits: Map<string, number>;
  logRejectTarget: LogTarget[];
  userMsg?: string;
  logMsg?: string;
  /** Exim's acl_temp_details: a defer whose text may go to the client. */
  tempDetails: boolean;
  /** Set when sender verification failed (for the SMTP reply's extra lines). */
  senderVerifyFailure?: { address: string; message?: string; noDetails: boolean; userMessage?: string; defer?: boolean; logDetail?: string; source?: object; kind?: 'setup' | 'postmaster' };
  verifyFailed?: string;
  /** Named domain/local-part list results for the address under test (shared with nested `acl =`). */
  addressListCache: ListCache;
}


/** Emit a -bh trace line (the text after Exim's ">>> " prefix) at the current nesting level. */
export function trace(st: RunState, text: string, indent = true): void {
  const t = st.actx.trace;
  if (t) t((indent ? indentFor(st.level + traceLeak(st.actx.expand)) : '') + text);
}

/** Run fn, turning its Suspends into waits (replayed until fn has all its answers). */
export function* attempt<T>(st: RunState, fn: () => T): Step<T> {
  for (;;) {
    try {
      return st.sync ? fn() : holdTrace(st.actx.expand, fn, isSuspend, aclTraceSink(st));
    } catch (e) {
      if (!(e instanceof Suspend) || st.sync) throw e;
      yield { key: e.key, job: e.job, memo: true };
    }
  }
}

/** Wait for job's answer (in sync mode through the memo, which may throw Suspend to the caller). */
export function* waitFor<T>(st: RunState, key: string, job: () => Promise<T>): Step<T> {
  if (st.sync) return st.actx.expand.memo.need(key, job);
  return (yield { key, job, memo: false }) as T;
}

const WAIT_TEXT = 'expansion has to wait for';

const isSuspend = (e: unknown): boolean => e instanceof Suspend;
const isWaitOrSuspend = (e: unknown): boolean => e instanceof Suspend || (e instanceof ExpandError && e.message.startsWith(WAIT_TEXT));

/** The ACL's own trace output, as holdTrace replaces it. */
function aclTraceSink(st: RunState): { get(): ((line: string) => void) | undefined; set(w: ((line: string) => void) | undefined): void } {
  return { get: () => st.actx.trace, set: (w) => { st.actx.trace = w; } };
}

/** Expand a string for the ACL, waiting for DNS/sockets when it needs them. */
export function* expand(st: RunState, exp: Expansion | string): Step<{ value: string; tainted: boolean }> {
  const ctx = st.actx.expand;
  try {
    // the synchronous try is abandoned if it has to wait: its trace lines must not show twice
    return st.sync ? expandStringWithTaint(exp, ctx) : holdTrace(ctx, () => expandStringWithTaint(exp, ctx), isWaitOrSuspend, aclTraceSink(st));
  } catch (e) {
    if (st.sync || !(e instanceof ExpandError) || !e.message.startsWith(WAIT_TEXT)) throw e;
  }
  return (yield { key: '', job: () => expandStringAsyncWithTaint(exp, ctx), memo: false }) as { value: string; tainted: boolean };
}

/** Drive a step to completion, awaiting its waits. */
export async function driveAsync<T>(st: RunState, gen: Step<T>): Promise<T> {
  let next = gen.next();
  let waits = 0;
  while (!next.done) {
    if (++waits > 10_000) throw new Error('too many asynchronous waits in one ACL');
    const w = next.value;
    if (w.memo) {
      try {
        st.actx.expand.memo.record(w.key, { ok: true, value: await w.job() });
      } catch (error) {
        st.actx.expand.memo.record(w.key, { ok: false, error });
      }
      next = gen.next();
    } else {
      let value: unknown;
      try {
        value = await w.job();
      } catch (error) {
        next = gen.throw(error);
        continue;
      }
      next = gen.next(value);
    }
  }
  return next.value;
}

/** Drive a step synchronously: it must not wait (sync mode turns waits into Suspend). */
export function driveSync<T>(gen: Step<T>): T {
  const next = gen.next();
  if (!next.done) throw new Error('ACL evaluation tried to wait in a synchronous context');
  return next.value;
}

/** Variables in the expansion context. */
export function getVar(st: RunState, name: string): string | undefined {
  return st.actx.expand.vars.get(name)?.value;
}

export function setVar(st: RunState, name: string, value: string | undefined, tainted = false): void {
  if (value === undefined) st.actx.expand.vars.delete(name);
  else st.actx.expand.vars.set(name, { value, tainted });
}
