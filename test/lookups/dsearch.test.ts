// dsearch; expected values recorded from exim4 -be
// (${lookup{sub}dsearch,filter=subdir{/d}{<$value>}{nf}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { doLookup } from '../../src/lookups/index.ts';
import { ctx, tempDir } from './helpers.ts';

const dir = tempDir();
mkdirSync(`${dir}/sub`);
writeFileSync(`${dir}/file1`, '');
writeFileSync(`${dir}/sub/inner`, '');
symlinkSync('/nonexistent', `${dir}/link`);

const look = (key: string, opts = ''): string | null => doLookup(`dsearch${opts}`, key, ctx(), { file: dir })?.value ?? null;

test('dsearch: plain and filtered', () => {
  const table: [string, string, string | null][] = [
    ['', 'file1', 'file1'], ['', 'sub', 'sub'], ['', 'link', 'link'], ['', '.', '.'], ['', 'nope', null], ['', 'FILE1', null],
    [',filter=file', 'file1', 'file1'], [',filter=file', 'sub', null], [',filter=file', 'link', null],
    [',filter=dir', 'sub', 'sub'], [',filter=dir', '..', '..'], [',filter=dir', 'link', null], [',filter=dir', 'file1', null],
    [',filter=subdir', 'sub', 'sub'], [',filter=subdir', '.', null], [',filter=subdir', '..', null],
    [',key=path', 'sub/inner', 'sub/inner'],
  ];
  for (const [opts, key, want] of table) assert.equal(look(key, opts), want, `dsearch${opts} ${key}`);
  assert.equal(look('file1', ',ret=full'), `${dir}/file1`);
});

test('dsearch: slashes, ".." and bad directories', () => {
  assert.throws(() => look('sub/inner'), { name: 'LookupDefer', message: 'key for dsearch lookup contains a slash: sub/inner' });
  assert.throws(() => look('../x', ',key=path'), { name: 'LookupDefer', message: 'key for dsearch lookup contains bad component: ../x' });
  assert.throws(() => look('sub/./inner', ',key=path'), { message: 'key for dsearch lookup contains bad component: sub/./inner' });
  assert.throws(() => doLookup('dsearch', 'x', ctx(), { file: 'relative' }), {
    message: 'failed to open relative for directory search: No such file or directory',
  });
  assert.throws(() => doLookup('dsearch', 'x', ctx(), { file: `${dir}/file1` }), {
    message: `failed to open ${dir}/file1 for directory search: Not a directory`,
  });
  assert.throws(() => doLookup('dsearch', 'x', ctx(), { file: '/nonexist' }), {
    message: 'failed to open /nonexist for directory search: No such file or directory',
  });
});
