// Behaviour of the public API beyond the recorded Exim cases: bounded time on
// hostile input, big subjects, refusals, options, bytes, caching.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileRegex, RegexError, regexErrorText, regexTimeouts, setRegexTimeLimit, stopRegexWorker,
} from '../../src/regex/index.ts';

after(() => stopRegexWorker());

function elapsed(f: () => unknown): { ms: number; value: unknown } {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
}

test('nested quantifiers on RE2 finish in linear time', () => {
  const re = compileRegex('(a+)+$');
  const r = elapsed(() => re.test('a'.repeat(5000) + 'b'));
  assert.equal(r.value, false);
  assert.ok(r.ms < 500, `took ${r.ms} ms`);
  assert.deepEqual(compileRegex('^(a|aa)+$').exec('a'.repeat(40)), ['a'.repeat(40), 'a']);
});

test('a backtracking blow-up on the JavaScript engine is cut off and counts as no match', () => {
  setRegexTimeLimit(100);
  try {
    const before = regexTimeouts();
    // The lookahead forces the backtracking engine; this is exponential in JavaScript.
    const re = compileRegex('^(\\w+\\s?)*(?=x)');
    const r = elapsed(() => re.test('a'.repeat(40) + '!'));
    assert.equal(r.value, false);
    assert.ok(r.ms < 1500, `took ${r.ms} ms`);
    assert.equal(regexTimeouts(), before + 1);
    // The worker is replaced: later matches work.
    assert.deepEqual(compileRegex('foo(?=bar)').exec('xfoobar'), ['foo']);
    assert.equal(compileRegex('(\\w)\\1').test('abcc'), true);
  } finally {
    setRegexTimeLimit(200);
  }
});

test('one-megabyte subjects', () => {
  const big = 'ab'.repeat(512 * 1024);
  let r = elapsed(() => compileRegex('^[ab]+c$').test(big));
  assert.equal(r.value, false);
  assert.ok(r.ms < 2000, `RE2 test took ${r.ms} ms`);
  r = elapsed(() => compileRegex('a').replaceAll(big, () => 'x'));
  assert.equal(r.value, 'xb'.repeat(512 * 1024));
  assert.ok(r.ms < 5000, `RE2 sg took ${r.ms} ms`);
  r = elapsed(() => compileRegex('(?<=a)b(?=a)').replaceAll(big, () => 'y'));
  assert.equal(r.value, 'ay'.repeat(512 * 1024 - 1) + 'ab');
  assert.ok(r.ms < 5000, `JS sg took ${r.ms} ms`);
  assert.equal(compileRegex('(ab)\\1c').test(big), false);
});

test('features tern refuses rather than run differently', () => {
  const refused = ['(?R)', 'a(?1)', '(?&n)', 'a\\Kb', '\\Ga', '(?|(a)|(b))\\1', '(?(1)a|b)', '(?C1)a', '(*SKIP)a', '\\X',
    '(a)|b\\1', '(?:(a)|b)+(?=c)', '\\g<1>(a)'];
  for (const p of refused) {
    assert.throws(() => compileRegex(p), (e: unknown) => e instanceof RegexError && /tern does not support/.test(e.message), p);
  }
});

test('\\p{..} on byte values as code points; PCRE2 texts for bad names (Exim 4.98 answers)', () => {
  assert.deepEqual(compileRegex('\\p{L}+').exec('AbC d'), ['AbC']);
  assert.deepEqual(compileRegex('\\p{lu}\\pL\\P{L}').exec('xAb.'), ['Ab.']);
  assert.deepEqual(compileRegex('[\\p{^L}x]+').exec('ab x1 '), [' x1 ']);
  // "é" is the bytes C3 A9, that is U+00C3 (a Latin letter) and U+00A9 (a symbol).
  assert.equal(compileRegex('^\\p{Latin}\\p{So}$').test('\u00e9'), true);
  assert.equal(compileRegex('^\\p{Greek}$').test('a'), false);
  assert.equal(compileRegex('^\\p{Xwd}+$').test('a_1'), true);
  assert.throws(() => compileRegex('\\p{L'), { message: 'regular expression error in "\\p{L": malformed \\P or \\p sequence at offset 4' });
  assert.throws(() => compileRegex('\\p'), { message: 'regular expression error in "\\p": malformed \\P or \\p sequence at offset 2' });
  assert.throws(() => compileRegex('\\p{Xx}'), { message: 'regular expression error in "\\p{Xx}": unknown property after \\P or \\p at offset 6' });
});

test('branch reset groups number each alternative from the same start', () => {
  assert.deepEqual(compileRegex('(?|(a)|(b))(c)').exec('bc'), ['bc', 'b', 'c']);
  assert.deepEqual(compileRegex('(?|(x)(y)|(b))(C)').exec('bC'), ['bC', 'b', undefined, 'C']);
  assert.equal(compileRegex('(?|(x)(y)|(b))(C)').groupCount, 3);
});

test('RegexError carries pattern, reason and offset; both Exim wordings', () => {
  try {
    compileRegex('^a(b');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof RegexError);
    assert.equal(e.pattern, '^a(b');
    assert.equal(e.reason, 'missing closing parenthesis');
    assert.equal(e.offset, 4);
    assert.equal(regexErrorText(e), 'regular expression error in "^a(b": missing closing parenthesis at offset 4');
    assert.equal(regexErrorText(e, 'compiling'), 'regular expression error: missing closing parenthesis at offset 4 while compiling ^a(b');
  }
});

test('caseless option folds ASCII only, like PCRE2 in the C locale', () => {
  assert.equal(compileRegex('abc', { caseless: true }).test('xABCx'), true);
  assert.equal(compileRegex('abc').test('xABCx'), false);
  assert.equal(compileRegex('[^a]', { caseless: true }).test('A'), false);
  assert.equal(compileRegex('é', { caseless: true }).test('É'), false);
  assert.notEqual(compileRegex('abc', { caseless: true }), compileRegex('abc'));
});

test('compiled patterns are cached', () => {
  assert.equal(compileRegex('^x+y$'), compileRegex('^x+y$'));
});

test('subjects are matched as UTF-8 bytes', () => {
  assert.equal(compileRegex('^.$').test('é'), false);
  assert.equal(compileRegex('^..$').test('é'), true);
  assert.deepEqual(compileRegex('^(..)(.*)$').exec('éte'), ['éte', 'é', 'te']);
  assert.deepEqual(compileRegex('\\x{c3}\\x{a9}').exec('café'), ['é']);
  assert.equal(compileRegex('e').replaceAll('éte', () => 'ê'), 'étê');
});

test('group names and counts', () => {
  const re = compileRegex('(?<user>[^@]+)@(?P<domain>.+)');
  assert.equal(re.groupCount, 2);
  assert.deepEqual([...re.groupNames], [['user', 1], ['domain', 2]]);
  assert.deepEqual(re.exec('a@b'), ['a@b', 'a', 'b']);
});

test('$ before a final newline on both engines', () => {
  // RE2 with the only newline at the end; the JavaScript engine with more newlines.
  assert.deepEqual(compileRegex('(\\w+)$').exec('abc\n'), ['abc', 'abc']);
  assert.deepEqual(compileRegex('(\\w+)$').exec('x\nabc\n'), ['abc', 'abc']);
  assert.equal(compileRegex('c$').test('abc\n\n'), false);
  assert.equal(compileRegex('(?m)^$').test('a\n'), false);
  assert.equal(compileRegex('(?m)^$').test('a\n\n'), true);
  assert.equal(compileRegex('^ab$').replaceAll('ab\n', () => 'X'), 'X\n');
});

test('unset groups are undefined; exec gives every group', () => {
  assert.deepEqual(compileRegex('(a)|(b)').exec('b'), ['b', undefined, 'b']);
  assert.deepEqual(compileRegex('x(y)?').exec('x'), ['x', undefined]);
  assert.equal(compileRegex('a').exec('b'), null);
});

test('${sg} callback sees the captures of each match', () => {
  const seen: string[] = [];
  const out = compileRegex('(\\w)(\\d)').replaceAll('a1 b2 c3', (c) => { seen.push(c.join(',')); return `${c[2]}${c[1]}`; });
  assert.equal(out, '1a 2b 3c');
  assert.deepEqual(seen, ['a1,a,1', 'b2,b,2', 'c3,c,3']);
});
