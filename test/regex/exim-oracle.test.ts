// Match results, errors and ${sg} output compared with what Exim 4.98 gave
// for the same subject and pattern (recorded in exim-oracle-data.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRegex, RegexError } from '../../src/regex/index.ts';
import { BAD_PATTERNS, MATCH_CASES, SG_CASES } from './exim-oracle-data.ts';
import { encodeBytes } from '../../src/expand/operators/bytes.ts';

// The recordings decoded Exim's output as UTF-8 with U+FFFD for stray bytes;
// our results hold stray bytes as escaped raw bytes, so compare them that way.
const asRecorded = (s: string): string => encodeBytes(s).toString('utf8');

function ourMatch(subject: string, pattern: string): string {
  try {
    const m = compileRegex(pattern).exec(subject);
    if (m === null) return 'no';
    return asRecorded(`yes${[0, 1, 2, 3].map((i) => `<${m[i] ?? ''}>`).join('')}`);
  } catch (e) {
    if (e instanceof RegexError) return `Failed: ${e.message}`;
    throw e;
  }
}

test('match results and captures agree with Exim', () => {
  for (const [subject, pattern, expected] of MATCH_CASES) {
    assert.equal(ourMatch(subject, pattern), expected, `subject ${JSON.stringify(subject)} pattern ${JSON.stringify(pattern)}`);
  }
});

test('test() agrees with exec() on every recorded case', () => {
  for (const [subject, pattern, expected] of MATCH_CASES) {
    assert.equal(compileRegex(pattern).test(subject), expected !== 'no', `${JSON.stringify(subject)} ${pattern}`);
  }
});

test('bad patterns give Exim\'s error text and offset', () => {
  for (const [pattern, expected] of BAD_PATTERNS) {
    assert.equal(ourMatch('x', pattern), expected, pattern);
  }
});

test('${sg} replacements agree with Exim, including empty matches', () => {
  for (const [subject, pattern, expected] of SG_CASES) {
    const got = asRecorded(compileRegex(pattern).replaceAll(subject, (c) => `<${c[0] ?? ''}|${c[1] ?? ''}>`));
    assert.equal(got, expected, `subject ${JSON.stringify(subject)} pattern ${JSON.stringify(pattern)}`);
  }
});
