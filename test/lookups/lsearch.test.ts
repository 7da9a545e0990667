// lsearch file format and lookups; expected values recorded from exim4 -be
// (e.g. ${lookup{baz}lsearch{/f}{<$value>}{NOTFOUND}}).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { doLookup, LookupError, clearFileCache } from '../../src/lookups/index.ts';
import { parseLsearchText } from '../../src/lookups/lsearch-format.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const file = writeFile(
  dir,
  'l1',
  [
    'foo: bar',
    'Baz:   qux  ',
    '  continued line',
    '# comment',
    '',
    '  more cont',
    '"quoted key": qdata',
    '"q\\x41b" : esc',
    'nocolon data here',
    'emptydata:',
    'baduser:  :fail:',
    'foo: second',
    'key2 :data2',
    '\t\ttabcont',
    'w  x y',
    '"col:on"',
    'c: 1',
    '  # notcomment',
    '  3',
    'd:1',
    '   ',
    '  4',
    '',
  ].join('\n'),
);

const look = (key: string, spec = 'lsearch', f = file): string | null => doLookup(spec, key, ctx(), { file: f })?.value ?? null;

test('lsearch: values as Exim 4.98 gives them', () => {
  assert.equal(look('foo'), 'bar'); // first occurrence wins
  assert.equal(look('FOO'), 'bar'); // caseless keys
  assert.equal(look('baz'), 'qux continued line'); // a comment line ends the record
  assert.equal(look('quoted key'), 'qdata');
  assert.equal(look('qAb'), 'esc'); // escapes inside quoted keys
  assert.equal(look('nocolon'), 'data here');
  assert.equal(look('emptydata'), '');
  assert.equal(look('baduser'), ':fail:');
  assert.equal(look('key2'), 'data2 tabcont');
  assert.equal(look('w'), 'x y');
  assert.equal(look('col:on'), '');
  assert.equal(look('c'), '1 # notcomment 3'); // '#' after indentation is data
  assert.equal(look('d'), '1'); // a white-space-only line ends the record
  assert.equal(look('zz'), null);
  assert.equal(look(''), null); // empty keys never match
});

test('lsearch: file names must be untainted; open errors use Exim text, also for an empty key', () => {
  // Exim 4.98 opens a relative name as it stands rather than refusing it.
  assert.throws(() => doLookup('lsearch', 'x', ctx(), { file: 'relative/nonexistent' }), {
    name: 'LookupOpenError',
    message: 'failed to open relative/nonexistent for linear search: No such file or directory',
  });
  assert.throws(() => doLookup('lsearch', '', ctx(), { file: '' }), {
    message: 'failed to open  for linear search: No such file or directory',
  });
  for (const type of ['wildlsearch', 'nwildlsearch', 'iplsearch']) {
    assert.throws(() => doLookup(type, '', ctx(), { file: dir }), { message: `${dir} is not a regular file (lsearch lookup)` });
  }
  assert.equal(doLookup('iplsearch', '', ctx(), { file }), null);
  assert.throws(() => doLookup('lsearch', 'x', ctx(), { file: file, fileTainted: true }), {
    message: `Tainted filename for search: '${file}'`,
  });
  assert.throws(() => doLookup('lsearch', 'x', ctx(), { file: '/nonexistent/f' }), {
    message: 'failed to open /nonexistent/f for linear search: No such file or directory',
  });
  assert.throws(() => doLookup('lsearch', 'x', ctx(), { file: dir }), {
    message: `${dir} is not a regular file (lsearch lookup)`,
  });
});

test('lookup types: unknown, unsupported and misused', () => {
  assert.throws(() => doLookup('foo', 'x', ctx(), { file }), { message: 'unknown lookup type "foo"' });
  assert.throws(() => doLookup('ldap', 'x', ctx()), { message: 'lookup type "ldap" is not supported' });
  assert.throws(() => doLookup('partialx-lsearch', 'x', ctx(), { file }), { message: 'format error in lookup type "partialx-lsearch"' });
  assert.throws(() => doLookup('partial-sqlite', 'x', ctx()), { message: '"partial" is not permitted for lookup type "sqlite"' });
  assert.throws(() => doLookup('sqlite*', 'x', ctx()), {
    message: 'defaults using "*" or "*@" are not permitted for lookup type "sqlite*"',
  });
  assert.throws(() => doLookup('partial-', 'x', ctx(), { file }), { message: 'unknown lookup type ""' });
  assert.throws(() => doLookup('partial(ab)lsearch', 'x', ctx(), { file }), { message: 'format error in lookup type "partial(ab)lsearch"' });
  // The name ends at '*'; a ',' counts only after it.
  assert.throws(() => doLookup('lsearch,ret=full*', 'x', ctx(), { file }), { message: 'unknown lookup type "lsearch,ret=full"' });
  assert.ok(new LookupError('x') instanceof Error);
});

test('lsearch: text after "*" in the type is ignored; ret=full gives the whole record', () => {
  const f = writeFile(dir, 'stars', '*: star\npost:   master\n  cont\n');
  assert.equal(look('nobody', 'lsearch*x', f), 'star');
  assert.equal(look('nobody', 'lsearch*,ret=full', f), '*: star');
  assert.equal(look('post', 'lsearch,ret=full', f), 'post:   master cont');
  assert.equal(look('a.wild', 'wildlsearch,ret=full', writeFile(dir, 'w', '*.wild:  w\n')), '*.wild:  w');
});

test('lsearch: the file is re-read when it changes', () => {
  const f = writeFile(dir, 'changing', 'k: one\n');
  assert.equal(look('k', 'lsearch', f), 'one');
  writeFile(dir, 'changing', 'k: two-longer\n');
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  clearFileCache(); // skip the one-second staleness window
  assert.equal(look('k', 'lsearch', f), 'two-longer');
});

test('parseLsearchText: ret=full text keeps the raw rest of the line', () => {
  const recs = parseLsearchText('"a b" :  x\n  y\n');
  assert.deepEqual(recs, [{ key: 'a b', data: 'x y', full: 'a b :  x y' }]);
});
