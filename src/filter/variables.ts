// The filter variables $n0..$n9 (a filter's counters, zero at its start) and
// $sn0..$sn9 (the system filter's final counters, seen by users' filters).
// As in Exim they exist only while a filter runs: anywhere else they are
// unknown variables. A running filter keeps its values in ctx.vars.

import type { ExpandContext } from '../expand/context.ts';
import { ExpandError } from '../expand/errors.ts';
import { registerVariable } from '../expand/variables.ts';

/** Expansion contexts in which a filter is running now. */
const running = new WeakSet<ExpandContext>();

for (let i = 0; i < 10; i++) {
  for (const name of [`n${i}`, `sn${i}`]) {
    registerVariable(name, (ctx) => {
      if (!running.has(ctx)) throw new ExpandError(`unknown variable name "${name}"`);
      return ctx.vars.get(name) ?? '0';
    });
  }
}

export function setFilterCounters(ctx: ExpandContext, prefix: 'n' | 'sn', values: readonly number[]): void {
  for (let i = 0; i < 10; i++) ctx.vars.set(`${prefix}${i}`, { value: String(values[i] ?? 0), tainted: false });
}

/** Run `body` as a filter in `ctx`: the counters are known (and $n0..$n9 start at zero) until it ends. */
export async function whileFiltering<T>(ctx: ExpandContext, body: () => Promise<T>): Promise<T> {
  const nested = running.has(ctx);
  running.add(ctx);
  setFilterCounters(ctx, 'n', []);
  try {
    return await body();
  } finally {
    if (!nested) {
      running.delete(ctx);
      for (let i = 0; i < 10; i++) ctx.vars.delete(`n${i}`);
    }
  }
}
