// The parser and the two emitters, checked on their output text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePattern } from '../../src/regex/parser.ts';
import { emitJs, emitRe2 } from '../../src/regex/emit.ts';
import { features, jsDivergence } from '../../src/regex/analyze.ts';

const re2 = (p: string, caseless = false): string => {
  const parsed = parsePattern(p, caseless);
  return emitRe2(parsed.root, parsed.groups, 'end').source;
};
const js = (p: string): string => {
  const parsed = parsePattern(p, false);
  return emitJs(parsed.root, parsed.groups, false).source;
};

test('PCRE2 character semantics are spelled out', () => {
  assert.equal(re2('.'), '[\\x{00}-\\x{09}\\x{0b}-\\x{ff}]');
  assert.equal(re2('(?s).'), '(?s:.)');
  assert.equal(re2('\\s'), '[\\x{09}-\\x{0d} ]');
  assert.equal(re2('(?i)a'), '[Aa]');
  assert.equal(re2('a', true), '[Aa]');
  assert.equal(re2('[[:digit:]x]'), '[0-9x]');
  assert.equal(re2('\\Q.*\\E'), '\\x{2e}\\x{2a}');
  assert.equal(re2('(?x) a b # c'), 'ab');
  assert.equal(re2('\\e\\x41\\101\\cA'), '\\x{1b}AA\\x{01}');
});

test('anchors', () => {
  assert.equal(re2('^a$'), '\\Aa\\z');
  assert.equal(re2('(?m)^a$'), '(?m:^)a(?m:$)');
  assert.equal(js('^a$'), '(?<![\\s\\S])a(?=\\n?(?![\\s\\S]))');
  assert.equal(js('a\\z'), 'a(?![\\s\\S])');
});

test('quantifiers and groups', () => {
  assert.equal(re2('(a)(?:b)*?c{2,5}'), '(a)(?:(?:b))*?(?:c){2,5}');
  assert.equal(re2('(?U)a+'), '(?:a)+?');
  assert.equal(js('a++'), '(?=((?:a)+))\\1');
  assert.equal(js('(?>a|ab)(c)\\1'), '(?=(a|ab))\\1(c)(?:\\2)');
  assert.equal(js('(?i)(a)\\1'), '([Aa])(?i:\\1)');
});

test('features pick the engine', () => {
  assert.equal(features(parsePattern('a(b|c)*$', false).root).needsBacktracking, false);
  assert.equal(features(parsePattern('a(?=b)', false).root).needsBacktracking, true);
  assert.equal(features(parsePattern('(?<=ab)c', false).root).needsBacktracking, false);
  assert.equal(features(parsePattern('(?<=(a))c', false).root).needsBacktracking, true);
  assert.equal(features(parsePattern('a$', false).root).finalNewlineSensitive, true);
  assert.equal(features(parsePattern('x{2000}', false).root).bigRepeat, true);
  assert.equal(features(parsePattern('a*?', false).root).mayPreferEmpty, true);
  assert.equal(features(parsePattern('a+|b', false).root).mayPreferEmpty, false);
});

test('divergences between JavaScript and PCRE2 are found', () => {
  assert.equal(jsDivergence(parsePattern('(a)\\1', false).root), null);
  assert.match(jsDivergence(parsePattern('(a)?\\1', false).root) ?? '', /may be unset/);
  assert.match(jsDivergence(parsePattern('(?:(a)|b)+', false).root) ?? '', /repetition/);
  assert.equal(jsDivergence(parsePattern('(?:(a)b)+', false).root), null);
});

test('octal and back reference numbers follow PCRE2', () => {
  // \12 is octal (newline) with fewer than 12 groups, a back reference otherwise.
  assert.equal(re2('a\\12'), 'a\\x{0a}');
  const many = '(a)'.repeat(12) + '\\12';
  assert.match(js(many), /\(\?:\\12\)$/);
});
