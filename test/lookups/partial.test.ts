// partial-, *, *@ and ret=key; expected values (including $1/$2) recorded
// from exim4 -be, e.g. ${lookup{a.b.c.d}partial-lsearch{/f}{$value|$1|$2}}.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup, partialKeys } from '../../src/lookups/index.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const file = writeFile(dir, 'p1', '*.c.d: wild-cd\nx.y: exact\n*: star\n*@dom.ex: atdom\njane@dom.ex: jane\n*.d: wd\n.q.r: dotq\nq.r: qr\n');

function look(spec: string, key: string): string {
  const r = doLookup(spec, key, ctx(), { file });
  if (!r) return 'nf';
  return r.numbered ? `${r.value}|${r.numbered[0]}|${r.numbered[1]}` : r.value;
}

test('partial matching sequences', () => {
  assert.equal(look('partial-lsearch', 'a.b.c.d'), 'wild-cd|a.b|c.d');
  assert.equal(look('partial-lsearch', 'c.d'), 'wild-cd||c.d');
  assert.equal(look('partial1-lsearch', 'x.c.d'), 'wild-cd|x|c.d');
  assert.equal(look('partial-lsearch', 'a.e'), 'nf');
  assert.equal(look('partial-lsearch*', 'a.e'), 'star|a.e|');
  assert.equal(look('partial0-lsearch', 'a.e'), 'star|a.|');
  assert.equal(look('partial(.)lsearch', 'a.q.r'), 'dotq|a|q.r');
  assert.equal(look('partial1()lsearch', 'a.b.q.r'), 'qr|a.b|q.r');
  assert.equal(look('partial-lsearch', 'x.y'), 'exact||x.y');
  assert.equal(look('partial-lsearch*@', 'bob@x.c.d'), 'wild-cd|bob@x|c.d');
});

test('defaults * and *@', () => {
  assert.equal(look('lsearch*@', 'bob@dom.ex'), 'atdom|bob|');
  assert.equal(look('lsearch*@', 'jane@dom.ex'), 'jane');
  assert.equal(look('lsearch*@', 'bob@other'), 'star|bob@other|');
  assert.equal(look('lsearch*', 'zz'), 'star|zz|');
  assert.equal(look('lsearch', 'zz'), 'nf');
});

test('ret=key gives the original key, untouched by partial or defaults', () => {
  assert.equal(doLookup('lsearch,ret=key', 'JANE@dom.ex', ctx(), { file })?.value, 'JANE@dom.ex');
  assert.equal(doLookup('lsearch*,ret=key', 'bob@other', ctx(), { file })?.value, 'bob@other');
  assert.equal(doLookup('partial-lsearch,ret=key', 'a.b.c.d', ctx(), { file })?.value, 'a.b.c.d');
});

test('partialKeys: the partial0 endings for each prefix shape', () => {
  const keys = (min: number, prefix: string, key: string): string[] => [...partialKeys(key, min, prefix)].map(([k]) => k);
  assert.deepEqual(keys(2, '*.', '2250.dates.fict.example'), ['*.2250.dates.fict.example', '*.dates.fict.example', '*.fict.example']);
  assert.deepEqual(keys(0, '*.', 'a.b'), ['*.a.b', '*.b', '*']);
  assert.deepEqual(keys(0, '.', 'a.b'), ['.a.b', '.b', '.']);
  assert.deepEqual(keys(0, '', 'a.b'), ['b']);
  assert.deepEqual(keys(0, '*+', 'a'), ['*+a', '*+']);
  assert.deepEqual(keys(3, '*.', 'c.d'), []);
});
