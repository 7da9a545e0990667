// The list-matching lines of Exim's -bh trace ("host in "10.0.0.0/8"? yes
// (matched "10.0.0.0/8")"). A tracer is attached to an expansion context,
// so only a host-checking session pays for it; whoever owns the context
// moves `level` (the ACL nesting depth) so that list lines indent under the
// ACL statement that asked.

import type { ExpandContext } from '../expand/context.ts';
import { Suspend } from '../util/suspend.ts';

export interface ListTracer {
  /** Receives one line, already indented, without Exim's ">>> " prefix. */
  write(line: string): void;
  /** Indentation level of a list check started now (Exim's ACL level). */
  level: number;
  /** Lines of a computation that may yet be replayed (see holdTrace), not written yet. */
  held?: { line: string; to: (line: string) => void }[];
  /**
   * Shared by the session's tracers: Exim's debug indentation grows by one,
   * for the rest of the process, each time a host list cannot find a host's
   * name or address (its indentation is not restored on that path).
   */
  shared?: { leak: number };
}

/** The extra indentation of every indented trace line from now on (see ListTracer.shared). */
export function traceLeak(ctx: ExpandContext): number {
  return tracers.get(ctx)?.shared?.leak ?? 0;
}

/** One more level of Exim's indentation leak. */
export function growTraceLeak(tracer: ListTracer): void {
  if (tracer.shared) tracer.shared.leak++;
}

const tracers = new WeakMap<ExpandContext, ListTracer>();

export function setListTracer(ctx: ExpandContext, tracer: ListTracer | undefined): void {
  if (tracer) tracers.set(ctx, tracer);
  else tracers.delete(ctx);
  // computations over this context's memo that wait and replay print their lines once
  if (tracer && !ctx.memo.holdOutput) ctx.memo.holdOutput = (fn) => holdTrace(ctx, fn, (e) => e instanceof Suspend);
}

export function listTracer(ctx: ExpandContext): ListTracer | undefined {
  return tracers.get(ctx);
}

/**
 * Run a computation that may be abandoned and replayed (it throws Suspend,
 * or `isRetry` says so, while waiting for DNS): its trace lines are held
 * back and written only once it ends for good, so that a replay does not
 * print them twice. `also` are other trace sinks written in the same
 * order (an ACL's own trace); each is replaced while fn runs.
 */
export function holdTrace<T>(ctx: ExpandContext, fn: () => T, isRetry: (e: unknown) => boolean,
  also?: { get(): ((line: string) => void) | undefined; set(w: ((line: string) => void) | undefined): void }): T {
  const t = tracers.get(ctx);
  const other = also?.get();
  if ((!t && !other) || t?.held) return fn();
  const held: { line: string; to: (line: string) => void }[] = [];
  const write = t?.write;
  if (t && write) {
    t.held = held;
    t.write = (line) => held.push({ line, to: write });
  }
  if (other) also!.set((line) => held.push({ line, to: other }));
  const release = (emit: boolean): void => {
    if (t && write) {
      t.write = write;
      t.held = undefined;
    }
    if (other) also!.set(other);
    if (emit) for (const h of held) h.to(h.line);
  };
  try {
    const r = fn();
    release(true);
    return r;
  } catch (e) {
    release(!isRetry(e));
    throw e;
  }
}

/**
 * A side effect (a log line) of a computation whose trace may be held: it
 * runs in its place among the held lines once they are written, or at once
 * when nothing is held. A try that is abandoned drops it with its lines.
 */
export function afterHeldTrace(ctx: ExpandContext, fn: () => void): void {
  const held = tracers.get(ctx)?.held;
  if (held) held.push({ line: '', to: () => fn() });
  else fn();
}

/** Run fn with the tracer's level set to `level` (restored afterwards). */
export function atTraceLevel<T>(ctx: ExpandContext, level: number, fn: () => T): T {
  const t = tracers.get(ctx);
  if (!t) return fn();
  const saved = t.level;
  t.level = level;
  try {
    return fn();
  } finally {
    t.level = saved;
  }
}

/** Exim's debug indentation: one column per level, every fourth column a "╎" guide. */
export function indentFor(level: number): string {
  let s = '';
  for (let i = 1; i <= level; i++) s += i % 4 === 0 ? '\u254e' : ' ';
  return s;
}

/** A list element as the trace shows it: spaces made visible as "░". */
export function shownElement(item: string): string {
  return item.replaceAll(' ', '\u2591');
}

/** Write a line at an absolute indentation level. */
export function traceAt(tracer: ListTracer, level: number, text: string): void {
  tracer.write(indentFor(level + (tracer.shared?.leak ?? 0)) + text);
}

/**
 * The line for a list option that is not set: Exim checks it and answers
 * "no" without a list ("host in hosts_proxy? no (option unset)").
 */
export function traceOptionUnset(ctx: ExpandContext, subject: string, optionName: string): void {
  const t = tracers.get(ctx);
  if (t) traceAt(t, t.level, `${subject} in ${optionName}? no (option unset)`);
}
