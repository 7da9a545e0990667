// Exim list syntax (spec "List construction", "Changing list separators",
// "Empty items in lists").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listCount, splitList } from '../../src/lists/index.ts';

test('splitList: separators, doubling, trimming, empty items', () => {
  assert.deepEqual(splitList('a : b:c'), ['a', 'b', 'c']);
  assert.deepEqual(splitList('127.0.0.1 : ::::1'), ['127.0.0.1', '::1']);
  assert.deepEqual(splitList('127.0.0.1::1'), ['127.0.0.1:1']);
  assert.deepEqual(splitList('user@domain :'), ['user@domain']);
  assert.deepEqual(splitList('user1@domain : : user2@domain'), ['user1@domain', '', 'user2@domain']);
  assert.deepEqual(splitList(':'), ['']);
  assert.deepEqual(splitList(''), []);
  assert.deepEqual(splitList('   '), []);
  assert.deepEqual(splitList('<; 127.0.0.1 ; ::1'), ['127.0.0.1', '::1']);
  assert.deepEqual(splitList('<, a,,b , c'), ['a,b', 'c']);
  assert.deepEqual(splitList('<\n a\n\n b'), ['a', '', 'b']); // control separators cannot be doubled
  assert.deepEqual(splitList('<a b'), ['<a b']); // '<' + letter is not a separator change
  assert.deepEqual(splitList('a;b', ';'), ['a', 'b']);
});

test('listCount', () => {
  assert.equal(listCount('a:b::c'), 2);
  assert.equal(listCount('<; a;b;c'), 3);
  assert.equal(listCount(''), 0);
});
