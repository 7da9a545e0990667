// The golden expansion corpus: every case recorded from Exim 4.98 (or taken
// from the 4.99 spec where they differ) must give the same answer from
// `tern -be`.  One subtest per group (item, operator or condition), listing
// every mismatching case of that group.  Re-record with record.ts; see
// score.ts for a summary by group.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCorpus } from './be-batch.ts';
import { byGroup, describeFailure, describeRuns, runCorpus } from './tern-run.ts';

const corpus = readCorpus();

test('the corpus is well formed', () => {
  assert.ok(corpus.length >= 1000, `only ${corpus.length} cases`);
  const ids = new Set<string>();
  for (const c of corpus) {
    assert.ok(!ids.has(c.id), `duplicate id ${c.id}`);
    ids.add(c.id);
    assert.equal(c.failed, c.expected.startsWith('Failed: '), `${c.id}: "failed" disagrees with "expected"`);
    if (c.source === 'spec' || c.match === 'failed') assert.ok(c.reason, `${c.id}: a spec or failure-only case needs a reason`);
  }
});

test('tern -be gives the recorded answer for every case', async (t) => {
  const { verdicts, runs } = await runCorpus(corpus);
  const crashed = describeRuns(runs);
  const groups = byGroup(verdicts);
  for (const [group, vs] of groups) {
    await t.test(group, () => {
      const bad = vs.filter((v) => !v.pass);
      if (bad.length === 0) return;
      const shown = bad.slice(0, 25).map(describeFailure);
      if (bad.length > shown.length) shown.push(`... and ${bad.length - shown.length} more`);
      assert.fail(`${bad.length}/${vs.length} cases of "${group}" differ${crashed.length ? `\n${crashed.join('\n')}` : ''}\n${shown.join('\n')}`);
    });
  }
});
