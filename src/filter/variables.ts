// The filter variables $n0..$n9 (a filter's counters, zero at its start) and
// $sn0..$sn9 (the system filter's final counters, seen by users' filters).
// They read ctx.vars like other variables; a filter run sets them there.

import type { ExpandContext } from '../expand/context.ts';
import { registerVariable } from '../expand/variables.ts';

for (let i = 0; i < 10; i++) {
  for (const name of [`n${i}`, `sn${i}`]) registerVariable(name, (ctx) => ctx.vars.get(name) ?? '0');
}

export function setFilterCounters(ctx: ExpandContext, prefix: 'n' | 'sn', values: readonly number[]): void {
  for (let i = 0; i < 10; i++) ctx.vars.set(`${prefix}${i}`, { value: String(values[i] ?? 0), tainted: false });
}
