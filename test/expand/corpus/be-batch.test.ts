// The framing used to feed many cases to one -be process and split its
// answers, and the case-source format the corpus is written in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalise, plan, split, type Placeholders } from './be-batch.ts';
import { parseCaseSource } from './case-source.ts';

const ph: Placeholders = { FIXTURES: '/fx', SOCKET: '/tmp/s/reply.sock', SILENT_SOCKET: '/tmp/s/silent.sock' };

test('plan puts a separator line after every setup and expr line', () => {
  const p = plan([{ id: 'a', expr: '${md5:x}' }, { id: 'b', expr: '@FIXTURES@/f', setup: ['set acl_m_x = 1'] }], ph);
  assert.equal(p.seps, 3);
  assert.deepEqual(p.exprSep, [0, 2]);
  assert.equal(p.input, '${md5:x}\n@@tern-corpus-sep-0@@\nset acl_m_x = 1\n@@tern-corpus-sep-1@@\n/fx/f\n@@tern-corpus-sep-2@@\n');
});

test('plan refuses a case whose last line would continue into the separator', () => {
  assert.throws(() => plan([{ id: 'x', expr: 'a\\' }], ph), /continuation/);
  assert.throws(() => plan([{ id: 'y', expr: 'a\nb' }], ph), /must end with a backslash/);
});

test('split recovers multi-line answers, and marks what is missing or malformed', () => {
  const out = '> one\n> @@tern-corpus-sep-0@@\n> two\nlines\n> @@tern-corpus-sep-1@@\nno prompt\n> @@tern-corpus-sep-2@@\n> partial';
  assert.deepEqual(split(out, 4), ['one', 'two\nlines', '<no "> " prompt> no prompt', undefined]);
  // A separator text inside an answer, not at a line start, is not taken for the frame.
  assert.deepEqual(split('> x> @@tern-corpus-sep-0@@\n> @@tern-corpus-sep-0@@\n', 1), ['x> @@tern-corpus-sep-0@@']);
});

test('normalise masks host paths and process ids', () => {
  assert.equal(normalise('failed to open /fx/a: Permission denied (euid=0 egid=105) /tmp/s/silent.sock', ph),
    'failed to open @FIXTURES@/a: Permission denied (euid=@EUID@ egid=@EGID@) @SILENT_SOCKET@');
});

test('case sources: groups number their cases, directives attach to the right case', () => {
  const cases = parseCaseSource([
    '# comment', '[grp conf=other.conf]', '${a}', '@setup set acl_m_x = 1', 'b\\', '  c',
    '@expect-failure reason', '@expr @literal', '@spec-reason why', '@spec-expected "v"',
  ].join('\n'), 't.txt');
  assert.deepEqual(cases.map((c) => [c.id, c.expr, c.conf]), [
    ['grp-001', '${a}', 'other.conf'], ['grp-002', 'b\\\n  c', 'other.conf'], ['grp-003', '@literal', 'other.conf'],
  ]);
  assert.deepEqual(cases[1]!.setup, ['set acl_m_x = 1']);
  assert.equal(cases[1]!.expectFailure, 'reason');
  assert.deepEqual(cases[2]!.spec, { reason: 'why', expected: 'v' });
  assert.throws(() => parseCaseSource('[g]\nx\n@spec-reason only', 't.txt'), /needs both/);
  assert.throws(() => parseCaseSource('x', 't.txt'), /before any \[group\]/);
});
