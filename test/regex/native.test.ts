// The native path (src/regex/native.ts): RE2-expressible patterns run on V8's
// RegExp, which falls back to its linear-time engine on heavy backtracking.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRegex } from '../../src/regex/index.ts';
import { compileNative, nativeFallbackEnabled } from '../../src/regex/native.ts';

function ms(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

test('V8 accepts the linear-engine flags', () => {
  assert.equal(nativeFallbackEnabled, true);
  assert.ok(compileNative('^user(\\d+)@') instanceof RegExp);
  // Only programs the linear engine can run are taken natively.
  assert.equal(compileNative('(a)\\1'), null);
  assert.equal(compileNative('a(?=b)'), null);
});

test('patterns exponential or polynomial for a backtracker stay fast on hostile subjects', () => {
  const cases: [string, string][] = [
    ['^(a|aa)*c$', 'a'.repeat(200_000)],
    ['(\\w+\\s*)*x', 'word '.repeat(20_000)],
    ['a*a*a*a*a*a*b', 'a'.repeat(100_000)],
    ['(?:a+)+b', 'a'.repeat(100_000)],
    ['^(\\d+)*$', '1'.repeat(50_000) + 'x'],
  ];
  for (const [pattern, subject] of cases) {
    const re = compileRegex(pattern);
    const t = ms(() => assert.equal(re.test(subject), false));
    assert.ok(t < 2000, `${pattern} took ${t} ms`);
    const t2 = ms(() => assert.equal(re.replaceAll(subject.slice(0, 20_000), () => 'X').length > 0, true));
    assert.ok(t2 < 2000, `${pattern} replaceAll took ${t2} ms`);
  }
});

test('the native path keeps PCRE2 answers', () => {
  assert.deepEqual(compileRegex('^user(\\d+)@').exec('user128@example.com'), ['user128@', '128']);
  assert.equal(compileRegex('^a').replaceAll('aaa', () => 'b'), 'baa');
  assert.equal(compileRegex('\\s+').replaceAll('The quick  brown\tfox', () => '_'), 'The_quick_brown_fox');
  assert.equal(compileRegex('(?<=b)c').replaceAll('abcabc', () => 'X'), 'abXabX');
  // $ also matches before a final newline (that subject takes another engine)
  assert.equal(compileRegex('c$').test('abc\n'), true);
  assert.equal(compileRegex('c\\z').test('abc\n'), false);
  // \s and \w are ASCII, . is any byte but \n
  assert.equal(compileRegex('^\\w+$').test('caf\u00e9'), false);
  // (each half of "é" comes back as its raw byte, held escaped as U+DC00+byte)
  assert.deepEqual(compileRegex('^(.)(.)').exec('\u00e9'), ['\u00e9', '\udcc3', '\udca9']);
  // multiline anchors see only \n as a line end, not \r
  assert.equal(compileRegex('(?m)^b').test('a\rb'), false);
  assert.equal(compileRegex('(?m)^b').test('a\nb'), true);
  // an unset group is unset, not empty
  assert.deepEqual(compileRegex('(a)|(b)').exec('b'), ['b', undefined, 'b']);
  assert.equal(compileRegex('(?i)ABC').test('xabcx'), true);
});
