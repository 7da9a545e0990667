// Address and local-part lists; expected values recorded from exim4 -be
// (${if match_address{BOB@A.COM}{+caseful:BOB@a.com}{y}{n}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAddressList, matchLocalPartList } from '../../src/lists/index.ts';
import { listContext, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const ctx = listContext([
  ['domain', 'dl1', 'a.com : *.b.com'],
  ['address', 'al1', 'bob@a.com : *@x.com'],
  ['localpart', 'lp1', 'postmaster : ^ab'],
]);
const at = writeFile(dir, 'at', 'baddomain.com:  !postmaster : *\naol.com: spammer1 : Spammer2 : >*\nxyz.com: spammer3 : >*\n*:       ^\\d{8}$\nloop.com: a : >loop.com\n');
const as = writeFile(dir, 'as', 'User1@Domain1.example\n*@domain2.example\n');
const lf1 = writeFile(dir, 'lf1', 'a.example\nnot#comment@x.y.z   # but\n');
const p1 = writeFile(dir, 'p1', 'x.y: exact\nfoo: bar\n');

const yn = (a: string, list: string): string => {
  const r = matchAddressList(a, list, ctx);
  return r.result === 'ok' ? 'y' : r.result === 'fail' ? 'n' : `defer: ${r.message}`;
};

test('address lists: plain, wildcard and domain-only patterns; case rules', () => {
  const cases: [string, string, string][] = [
    ['bob@a.com', '+al1', 'y'], ['BOB@A.COM', '+al1', 'y'], ['BOB@A.COM', '+caseful:+al1', 'n'],
    ['BOB@A.COM', '+caseful:BOB@a.com', 'y'], ['BOB@A.COM', '+caseful:bob@a.com', 'n'],
    ['x@y.x.com', '*@*.x.com', 'y'], ['x@x.com', 'x.com', 'y'], ['x@sub.x.com', '*.x.com', 'y'],
    ['abc@x.com', 'a*@x.com', 'n'], ['abc@x.com', '*c@x.com', 'y'], ['abc@x.com', 'abc@*', 'y'],
    ['abc@x.com', 'abc@+dl1', 'n'], ['abc@a.com', 'abc@+dl1', 'y'], ['abc@a.com', '*@+dl1', 'y'],
    ['bob@a.com', '^b.b@', 'y'], ['BOB@a.com', '^b.b@', 'y'], ['BOB@a.com', '+caseful : ^b.b@', 'n'],
    ['', ':', 'y'], ['', '*@*', 'n'], ['', '^$', 'y'], ['nolocal', 'x.com', 'n'], ['nolocal', 'nolocal', 'n'],
    ['a@b', 'a@b:!c@d', 'y'], ['x@y', '!c@d', 'y'], ['x@y', lf1, 'n'], ['not#comment@x.y.z', lf1, 'y'],
    ['x@y.com', '@y.com', 'n'], ['x@mail.example.com', '*@@', 'y'], ['x@x.y', `x@partial-lsearch;${p1}`, 'y'],
  ];
  for (const [a, l, want] of cases) assert.equal(yn(a, l), want, `${a} in ${l}`);
});

test('address lists: whole-address lookups and @@ lookups', () => {
  const cases: [string, string, string][] = [
    ['x@baddomain.com', `@@lsearch;${at}`, 'y'], ['postmaster@baddomain.com', `@@lsearch;${at}`, 'n'],
    ['spammer2@aol.com', `@@lsearch;${at}`, 'y'], ['12345678@aol.com', `@@lsearch;${at}`, 'y'],
    ['12345678@aol.com', `@@lsearch*;${at}`, 'y'], ['12345678@other.com', `@@lsearch*;${at}`, 'y'],
    ['someone@other.com', `@@lsearch*;${at}`, 'n'], ['someone@aol.com', `@@lsearch;${at}`, 'n'],
    ['user1@domain1.example', `lsearch*@;${as}`, 'y'], ['any@domain2.example', `lsearch*@;${as}`, 'y'],
    ['any@DOMAIN2.example', `lsearch*@;${as}`, 'y'], ['any@domain2.example', `partial-lsearch;${as}`, 'n'],
    ['', `lsearch*@;${as}`, 'n'],
  ];
  for (const [a, l, want] of cases) assert.equal(yn(a, l), want, `${a} in ${l}`);
  assert.equal(yn('zz@loop.com', `@@lsearch;${at}`), `defer: Loop detected in lookup of local part of zz@loop.com in @@lsearch;${at}`);
});

test('local-part lists', () => {
  const lp = (l: string, list: string): string => (matchLocalPartList(l, list, ctx).result === 'ok' ? 'y' : 'n');
  assert.equal(lp('Postmaster', '+lp1'), 'y');
  assert.equal(lp('ABC', '+lp1'), 'y');
  assert.deepEqual(matchLocalPartList('ABC', '+lp1', ctx).captures, ['AB']);
  assert.equal(lp('ABC', '+caseful:abc'), 'n');
  assert.equal(lp('ABC', 'abc'), 'y');
  assert.equal(lp('ABC', '*C'), 'y');
  assert.equal(lp('ABC', '@'), 'n');
  assert.equal(lp('a#b', lf1), 'n');
  assert.equal(lp('abc', 'abc'), 'y');
  assert.equal(matchLocalPartList('foo', `lsearch;${p1}`, ctx).data, 'bar');
  assert.equal(matchLocalPartList('ABC', 'abc', ctx, { caseful: true }).result, 'fail');
});

test('address lists: the match data ($value) is "<local pattern>@<domain value>"', () => {
  // Exim 4.98 answers, for patterns whose local part is as long as the subject's.
  const data = (a: string, list: string): string | undefined => matchAddressList(a, list, ctx).data;
  assert.equal(data('user@example.com', 'a@b : user@example.com'), 'user@example.com');
  assert.equal(data('user@example.com', 'example.com'), '@example.com');
  assert.equal(data('user@example.com', '*.com'), '@*.com');
  assert.equal(data('user@example.com', 'user@*.com'), 'user@*.com');
  assert.equal(data('USER@example.com', 'user@example.com'), 'user@example.com');
  assert.equal(data('abc@a.com', 'abc@+dl1'), 'abc@a.com');
  assert.equal(data('x@x.y', `x@partial-lsearch;${p1}`), 'x@exact');
  assert.equal(data('user@example.com', '^user@'), '');
  assert.equal(yn('x@y', '@@y'), 'n'); // "@@" without a lookup is an ordinary pattern
});
