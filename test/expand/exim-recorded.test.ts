// Expansions whose answers were recorded from Exim 4.98 (`exim4 -C /dev/null
// -be EXPR`, one process per case): items, conditions, syntax errors and
// their exact messages. Expected bytes are stored as latin1 text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { expandString, ExpandError } from '../../src/expand/index.ts';
import { newContext } from '../../src/expand/context.ts';
import { encodeBytes } from '../../src/expand/operators/bytes.ts';

const cases: [string, string][] = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'exim-recorded.json'), 'utf8'));

function answer(expr: string): string {
  try {
    return encodeBytes(expandString(expr, newContext())).toString('latin1');
  } catch (e) {
    if (e instanceof ExpandError) return 'Failed: ' + encodeBytes(e.message).toString('latin1');
    throw e;
  }
}

test('recorded Exim answers', () => {
  assert.ok(cases.length > 300);
  for (const [expr, expected] of cases) assert.equal(answer(expr), expected, expr);
});
