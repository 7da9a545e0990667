// Domain lists; expected values recorded from exim4 -be with a
// configuration holding these named lists
// (${if match_domain{x.b.com}{+dl2}{y}{n}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchDomainList } from '../../src/lists/index.ts';
import { setStringExpander } from '../../src/lookups/index.ts';
import { listContext, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const ctx = listContext([
  ['domain', 'dl1', 'a.com : *.b.com'],
  ['domain', 'dl2', '!x.b.com : +dl1'],
  ['domain', 'dlneg', '!a.b'],
  ['host', 'hl1', '10.0.0.0/8'],
]);
const lf1 = writeFile(dir, 'lf1', 'a.example\n# comment\n!neg.example\n*.wild.example # trailing\nnot#comment@x.y.z   # but\n');
const lf2 = writeFile(dir, 'lf2', 'a.example\n!neg.example\n');
const lf3 = writeFile(dir, 'lf3', '!neg.example\na.example\n');
const empty = writeFile(dir, 'empty', '');
const p1 = writeFile(dir, 'p1', '*.c.d: wild-cd\nx.y: exact\n*: star\nq.r: qr\n');

const yn = (domain: string, list: string): string => {
  const r = matchDomainList(domain, list, ctx);
  return r.result === 'ok' ? 'y' : r.result === 'fail' ? 'n' : `defer: ${r.message}`;
};

test('domain lists: literal, wildcard, negation, named lists', () => {
  const cases: [string, string, string][] = [
    ['a.com', '+dl1', 'y'], ['x.b.com', '+dl2', 'n'], ['y.b.com', '+dl2', 'y'], ['x.y', '+dl2', 'n'],
    ['x.y', '+dlneg : *.b', 'y'], ['x.y', '!a.b : *.b', 'n'], ['x.y', '!a.b', 'y'],
    ['A.COM', 'a.com', 'y'], ['donkey.ex', '*key.ex', 'y'], ['x.com', '*', 'y'], ['x.com', '!  x.com', 'n'],
    ['a', '', 'n'], ['', ':', 'y'], ['a', '<; b;a', 'y'], ['a:b', 'a::b', 'y'],
    ['a.b', '!', 'y'], ['a.b', '!:', 'y'], ['other', '!!other', 'y'], ['!other', '!!other', 'n'], ['other', '! ! other', 'y'],
  ];
  for (const [d, l, want] of cases) assert.equal(yn(d, l), want, `${d} in ${l}`);
});

test('domain lists: @, regular expressions and their captures', () => {
  assert.equal(yn('mail.example.com', '@'), 'y');
  assert.equal(yn('MAIL.example.com', '@'), 'y');
  assert.deepEqual(matchDomainList('mail.example.com', '@', ctx).data, 'mail.example.com');
  const r = matchDomainList('1999.fict.example', '^[1-2]\\d{3}\\.fict\\.example$', ctx);
  assert.equal(r.result, 'ok');
  assert.equal(r.captures?.[0], '1999.fict.example');
  assert.equal(yn('ABC.fict.example', '^abc\\.'), 'y');
  assert.equal(yn('ABC.fict.example', '^(?-i)abc\\.'), 'n');
  const star = matchDomainList('cipher.key.ex', '*key.ex', ctx);
  assert.deepEqual([star.data, star.captures], ['*key.ex', ['cipher.key.ex', 'cipher.']]);
});

test('domain lists: files of items', () => {
  const cases: [string, string, string][] = [
    ['sub.wild.example', lf1, 'y'], ['neg.example', lf1, 'n'], ['neg.example', `!${lf1}`, 'y'], ['other', `!${lf1}`, 'y'],
    ['comment', lf1, 'n'], ['other', lf2, 'y'], ['other', `!${lf2}`, 'n'], ['other', `!${lf3}`, 'y'], ['other', lf3, 'n'],
    ['other', `!${empty}`, 'y'], ['other', empty, 'n'],
  ];
  for (const [d, l, want] of cases) assert.equal(yn(d, l), want, `${d} in ${l}`);
  // a list file that cannot be opened is fatal, as in Exim (the session ends: src/log/panic-die.ts)
  assert.throws(() => yn('x.com', '/nonexist'), { name: 'PanicDie', message: 'failed to open /nonexist when checking "/nonexist": No such file or directory' });
  assert.throws(() => yn('x.com', `lsearch;${lf1}.none`), { name: 'PanicDie', message: `failed to open ${lf1}.none for linear search: No such file or directory` });
});

test('domain lists: lookups and their data', () => {
  assert.equal(yn('a.b.c.d', `partial-lsearch;${p1}`), 'y');
  assert.equal(yn('q.r', `lsearch;${p1}`), 'y');
  assert.equal(yn('Q.R', `lsearch;${p1}`), 'y');
  assert.equal(yn('zz', `lsearch*;${p1}`), 'y');
  assert.equal(yn('zz', `lsearch;${p1}`), 'n');
  assert.equal(matchDomainList('x.y', `lsearch;${p1}`, ctx).data, 'exact');
  assert.equal(matchDomainList('x.y', `lsearch,ret=key;${p1}`, ctx).data, 'x.y');
  assert.equal(yn('x.com', 'foo;x'), 'defer: unknown lookup type "foo"');
  assert.equal(yn('x.com', '+nolist'), 'defer: unknown named domain list "+nolist"');
  assert.equal(yn('x.com', '+hl1'), 'defer: unknown named domain list "+hl1"');
});

test('domain lists: @[] matches a domain literal of a local address', () => {
  assert.equal(yn('[127.0.0.1]', '@[]'), 'y');
  assert.equal(yn('[192.0.2.99]', '@[]'), 'n');
  assert.equal(yn('127.0.0.1', '@[]'), 'n');
});

test('named lists are expanded when used, and cached results stay per context', () => {
  setStringExpander((text, c) => text.replace(/\$(\w+)/g, (_m, v: string) => c.vars.get(v)?.value ?? ''));
  const c = listContext([['domain', 'dyn', '<; $d1 ; b.example']]);
  c.vars.set('d1', { value: 'a.example', tainted: false });
  assert.equal(matchDomainList('a.example', '+dyn', c).result, 'ok');
  c.vars.set('d1', { value: 'c.example', tainted: false });
  assert.equal(matchDomainList('a.example', '+dyn', c).result, 'fail'); // not cacheable: re-expanded
  assert.equal(matchDomainList('c.example', '+dyn', c).result, 'ok');
});
