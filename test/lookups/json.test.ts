// json lookups: selectors walk objects and arrays; value formats follow
// Exim's json lookup (strings de-quoted, %f for reals, JSON text for
// objects/arrays with ", " and ": " separators, null is not found).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup } from '../../src/lookups/index.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const file = writeFile(
  dir,
  'j.json',
  '{"a": {"b": ["x", "y", {"c": 1.5}]}, "n": 42, "big": 12345678901234567890, "r": 0.1, "t": true, "z": null, "o": {"k": [1, 2.5, "\u00e9"]}}',
);
const look = (key: string, f = file): string | null => doLookup('json', key, ctx(), { file: f })?.value ?? null;

test('json: selectors and value formats', () => {
  assert.equal(look('a:b:1'), 'y');
  assert.equal(look('a:b:2:c'), '1.500000');
  assert.equal(look('n'), '42');
  assert.equal(look('big'), '12345678901234567890'); // integers keep every digit
  assert.equal(look('r'), '0.100000');
  assert.equal(look('t'), 'true');
  assert.equal(look('z'), null);
  assert.equal(look('o'), '{"k": [1, 2.5, "é"]}');
  assert.equal(look('a:b'), '["x", "y", {"c": 1.5}]');
  assert.equal(look('<; a;b;0'), 'x');
  assert.equal(look('a:x'), null);
  assert.equal(look('a:b:9'), null);
  assert.equal(look('a:0'), null); // a number needs an array
});

test('json: a file that does not parse makes the lookup fail', () => {
  assert.equal(look('a', writeFile(dir, 'bad.json', '{ not json')), null);
});
