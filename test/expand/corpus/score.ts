// Scores tern against the golden expansion corpus:
//   node test/expand/corpus/score.ts [-v] [group ...]
// Prints "N/M cases pass", then the failing case ids grouped by item,
// operator or condition (worst groups first).  -v also shows each failing
// case's expression, expected and actual answers.  Naming groups limits the
// run to them.

import { readCorpus } from './be-batch.ts';
import { byGroup, describeFailure, describeRuns, runCorpus } from './tern-run.ts';

const verbose = process.argv.includes('-v');
const only = process.argv.slice(2).filter((a) => a !== '-v');
const corpus = readCorpus().filter((c) => only.length === 0 || only.includes(c.group));
const { verdicts, runs } = await runCorpus(corpus);

for (const line of describeRuns(runs)) console.log(line);
const passed = verdicts.filter((v) => v.pass).length;
console.log(`${passed}/${verdicts.length} cases pass`);

const failing = [...byGroup(verdicts)]
  .map(([group, vs]) => ({ group, total: vs.length, bad: vs.filter((v) => !v.pass) }))
  .filter((g) => g.bad.length > 0)
  .sort((a, b) => b.bad.length - a.bad.length || a.group.localeCompare(b.group));
for (const g of failing) {
  console.log(`\n${g.group}: ${g.bad.length}/${g.total} fail`);
  if (verbose) for (const v of g.bad) console.log('  ' + describeFailure(v).replaceAll('\n', '\n  '));
  else console.log('  ' + g.bad.map((v) => v.c.id).join(' '));
}
process.exitCode = passed === verdicts.length ? 0 : 1;
