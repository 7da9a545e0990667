import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXtext, splitParams } from '../../../src/smtp/server/params.ts';

const KNOWN = new Set(['SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID']);

test('known parameters come off the end; the first unknown one stops the scan', () => {
  assert.deepEqual(splitParams('<a@b.c> SIZE=100 BODY=8BITMIME', KNOWN), {
    address: '<a@b.c>', params: [{ name: 'SIZE', value: '100' }, { name: 'BODY', value: '8BITMIME' }],
  });
  assert.deepEqual(splitParams('<a@b.c> FOO=1 SIZE=5', KNOWN), { address: '<a@b.c> FOO=1', params: [{ name: 'SIZE', value: '5' }] });
  assert.deepEqual(splitParams('<a@b.c> smtputf8', KNOWN), { address: '<a@b.c>', params: [{ name: 'SMTPUTF8', value: undefined }] });
});

test('__proto__ and constructor are plain unknown names', () => {
  assert.deepEqual(splitParams('<a@b.c> __proto__=1', KNOWN).address, '<a@b.c> __proto__=1');
  assert.deepEqual(splitParams('<a@b.c> constructor', KNOWN).address, '<a@b.c> constructor');
  assert.deepEqual(splitParams('<a@b.c> CONSTRUCTOR=x', new Set(['SIZE'])).params, []);
});

test('spaces inside a quoted local part do not split parameters', () => {
  assert.deepEqual(splitParams('<"a b"@c> SIZE=1', KNOWN), { address: '<"a b"@c>', params: [{ name: 'SIZE', value: '1' }] });
});

test('xtext', () => {
  assert.equal(decodeXtext('abc+2Bd'), 'abc+d');
  assert.equal(decodeXtext('a+zz'), undefined);
  assert.equal(decodeXtext('a=b'), undefined);
});
