// Synchronous code that sometimes has to wait (DNS, sockets, child processes,
// Redis) uses "suspend and replay": the sync code asks a memo for the answer;
// if the answer is not there yet it throws Suspend carrying the async job.
// runSuspendable() awaits the job, records its answer and replays the whole
// synchronous computation, which now finds the answer in the memo. Pure
// expansions never touch a Promise; only the ones that wait pay for replays.

export class Suspend {
  readonly key: string;
  readonly job: () => Promise<unknown>;
  constructor(key: string, job: () => Promise<unknown>) {
    this.key = key;
    this.job = job;
  }
}

/** Answers already fetched for one logical computation, by key. */
export class AsyncMemo {
  private readonly answers = new Map<string, { ok: true; value: unknown } | { ok: false; error: unknown }>();
  /** When false (e.g. in a context that must not wait) a missing answer is an error. */
  allowSuspend = true;
  /**
   * Wraps each try of runSuspendable: -bh's list tracer holds back the trace
   * lines of a try that is abandoned to wait, so replays do not repeat them.
   */
  holdOutput?: <T>(fn: () => T) => T;

  /** Return the recorded answer for key, or throw Suspend so the caller's driver fetches it. */
  need<T>(key: string, job: () => Promise<T>): T {
    const got = this.answers.get(key);
    if (got) {
      if (got.ok) return got.value as T;
      throw got.error;
    }
    if (!this.allowSuspend) throw new Error(`cannot wait for ${key} in a synchronous context`);
    throw new Suspend(key, job);
  }

  private readonly seen = new Set<string>();

  /**
   * True the first time a key is offered: for side effects (a log line, an
   * event) inside code that replays after each wait, so they happen once.
   */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  record(key: string, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    this.answers.set(key, outcome);
  }

  has(key: string): boolean {
    return this.answers.has(key);
  }
}

/** Upper bound on replays of one computation: a runaway loop of waits is an error, not a hang. */
export const MAX_SUSPENSIONS = 10_000;

/** Run fn to completion, fetching whatever it suspends on and replaying it. */
export async function runSuspendable<T>(memo: AsyncMemo, fn: () => T): Promise<T> {
  for (let i = 0; i <= MAX_SUSPENSIONS; i++) {
    try {
      return memo.holdOutput ? memo.holdOutput(fn) : fn();
    } catch (e) {
      if (!(e instanceof Suspend)) throw e;
      try {
        memo.record(e.key, { ok: true, value: await e.job() });
      } catch (error) {
        memo.record(e.key, { ok: false, error });
      }
    }
  }
  throw new Error('too many asynchronous waits in one computation');
}
