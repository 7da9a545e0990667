// psl and regdom lookups (4.99 spec): publicsuffix.org rules, answers keep
// the key's own form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup } from '../../src/lookups/index.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const file = writeFile(dir, 'psl.dat', [
  '// comment line',
  'com',
  'uk',
  'co.uk   trailing words are ignored',
  '*.ck',
  '!www.ck',
  '公司.cn',
  'cn',
  '',
].join('\n'));

const psl = (key: string): string | null => doLookup('psl', key, ctx(), { file })?.value ?? null;
const regdom = (key: string): string | null => doLookup('regdom', key, ctx(), { file })?.value ?? null;

test('psl: the longest rule wins; unlisted names use the implicit "*"', () => {
  assert.equal(psl('www.example.co.uk'), 'co.uk');
  assert.equal(psl('example.com'), 'com');
  assert.equal(psl('foo.bar.zz'), 'zz');
  assert.equal(psl('co.uk'), 'co.uk');
  assert.equal(psl('WWW.Example.CO.UK'), 'CO.UK'); // matched caselessly, answered as given
  assert.equal(psl('a.example.com.'), 'com');
});

test('psl: wildcard and exception rules', () => {
  assert.equal(psl('a.b.ck'), 'b.ck');
  assert.equal(psl('www.ck'), 'ck');
  assert.equal(regdom('www.ck'), 'www.ck');
  assert.equal(regdom('x.www.ck'), 'www.ck');
  assert.equal(regdom('a.b.ck'), 'a.b.ck');
});

test('regdom: one label more than the suffix; a bare suffix has none', () => {
  assert.equal(regdom('www.example.co.uk'), 'example.co.uk');
  assert.equal(regdom('foo.bar.zz'), 'bar.zz');
  assert.equal(regdom('co.uk'), null);
  assert.equal(regdom('b.ck'), null);
  assert.equal(regdom('a..com'), null);
});

test('psl: U-labels and A-labels both match; the answer keeps the key\'s form', () => {
  assert.equal(psl('shop.例子.公司.cn'), '公司.cn');
  assert.equal(regdom('shop.例子.公司.cn'), '例子.公司.cn');
  assert.equal(psl('shop.xn--fsqu00a.xn--55qx5d.cn'), 'xn--55qx5d.cn');
});

test('psl: file errors', () => {
  assert.throws(() => doLookup('psl', 'a.com', ctx(), { file: '/nonexistent/psl' }), {
    message: 'failed to open /nonexistent/psl for psl lookup: No such file or directory',
  });
});
