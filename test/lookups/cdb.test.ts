// cdb: our reader against files made by our writer, plus the format's
// known hash values and Exim's error texts (recorded from exim4 -be).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCdb, doLookup } from '../../src/lookups/index.ts';
import { cdbFind, cdbHash } from '../../src/lookups/cdb-format.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();

test('cdbHash: the djb hash', () => {
  assert.equal(cdbHash(Buffer.from('')), 5381);
  assert.equal(cdbHash(Buffer.from('a')), ((5381 * 33) ^ 97) >>> 0);
});

test('cdb: lookups in a built file, many keys, first duplicate wins', () => {
  const entries: [string, string][] = [];
  for (let i = 0; i < 2000; i++) entries.push([`key${i}`, `value${i}`]);
  entries.push(['key7', 'duplicate'], ['', 'empty-key'], ['Mixed', 'case matters']);
  const file = writeFile(dir, 'big.cdb', buildCdb(entries));
  const look = (k: string): string | null => doLookup('cdb', k, ctx(), { file })?.value ?? null;
  assert.equal(look('key0'), 'value0');
  assert.equal(look('key1999'), 'value1999');
  assert.equal(look('key7'), 'value7');
  assert.equal(look('key2000'), null);
  assert.equal(look('Mixed'), 'case matters');
  assert.equal(look('mixed'), null); // cdb keys are exact
  assert.equal(look(''), null); // empty keys never match
  assert.equal(cdbFind(buildCdb([]), Buffer.from('x')), null);
  assert.equal(doLookup('cdb*', 'nothere', ctx(), { file: writeFile(dir, 'star.cdb', buildCdb([['*', 'dflt']])) })?.value, 'dflt');
});

test('cdb: Exim error texts for unusable files', () => {
  const short = writeFile(dir, 'short', 'tiny');
  assert.throws(() => doLookup('cdb', 'x', ctx(), { file: short }), { message: `failed to open ${short} too short for cdb lookup: Success` });
  assert.throws(() => doLookup('cdb', 'x', ctx(), { file: '/nonexist' }), { message: 'failed to open /nonexist for cdb lookup: No such file or directory' });
  assert.throws(() => doLookup('cdb', 'x', ctx(), { file: dir }), {
    message: `failed to open cannot read header from ${dir} for cdb lookup: Is a directory`,
  });
});
