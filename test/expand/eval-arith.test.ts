import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalArith } from '../../src/expand/eval-arith.ts';
import { ExpandError } from '../../src/expand/errors.ts';

// Expected values recorded from exim4 -be '${eval:...}'.
const CASES: [string, string][] = [
  ['1+2*3', '7'], ['(1+2)*3', '9'], ['2+42%5', '4'], ['0xc&5', '4'], ['0xc|5', '13'], ['0xc^5', '9'],
  ['0xc>>1', '6'], ['0xc<<1', '24'], ['~255&0x1234', '4608'], ['-(~255&0x1234)', '-4608'],
  ['9223372036854775807*2', '-2'], ['-9223372036854775807-2', '9223372036854775807'], ['1>>-1', '0'],
  ['1<<-1', '-9223372036854775808'], ['-5%3', '-2'], ['-7/2', '-3'], [' 1 + 2 ', '3'], ['--1', '1'], ['~0', '-1'],
  ['0x', '0'], ['0xfg', '16106127360'], ['1k', '1024'], ['1m', '1048576'], ['9999999999G', '-7709325834783293440'],
  ['0x10', '16'], ['(((1)))', '1'], ['3&5|2^1', '3'], ['9223372036854775808', '9223372036854775807'],
  ['-9223372036854775807-1', '-9223372036854775808'], ['(-9223372036854775807-1)/-1', '9223372036854775807'],
  ['(-9223372036854775807-1)%-1', '9223372036854775807'], ['0777', '511'], ['1K*1K', '1048576'], ['1<<70', '64'],
  // where the fast (double) evaluator hands over to the 64-bit one
  ['7/-2', '-3'], ['-7%-2', '-1'], ['-6%3', '0'], ['-0', '0'], ['1000000*1000000*1000', '1000000000000000'], ['1000000*1000000*1000000', '1000000000000000000'],
  ['2147483647|1', '2147483647'], ['2147483648|1', '2147483649'], ['-1&255', '255'], ['~-1', '0'],
  ['9007199254740991+1', '9007199254740992'], ['99999999999999*99', '9899999999999901'], ['3k+1M', '1051648'],
  ['(8 + 928) * 3 / 7 % 11', '5'], ['999999999999999/7', '142857142857142'],
];

test('eval results', () => {
  for (const [e, want] of CASES) assert.equal(evalArith(e, false), want, e);
  assert.equal(evalArith('08', true), '8');
  assert.equal(evalArith('012+1', true), '13');
});

test('eval errors', () => {
  const msg = (e: string, dec = false): string => {
    try {
      evalArith(e, dec);
    } catch (err) {
      assert.ok(err instanceof ExpandError);
      return err.message;
    }
    assert.fail(e);
  };
  assert.equal(msg('1+'), 'error in expression evaluation: expecting number or opening parenthesis (after processing "1+")');
  assert.equal(msg('1/0'), 'error in expression evaluation: divide by zero (after processing "1/0")');
  assert.equal(msg('5%0'), 'error in expression evaluation: modulo by zero (after processing "5%0")');
  assert.equal(msg('9223372036854775807+1'), 'error in expression evaluation: overflow in sum (after processing "9223372036854775807+1")');
  assert.equal(msg('07+08'), 'error in expression evaluation: expecting operator (after processing "07+0")');
  assert.equal(msg('0x10', true), 'error in expression evaluation: expecting operator (after processing "0")');
  assert.equal(msg('(1'), 'error in expression evaluation: expecting closing parenthesis (after processing "(1")');
  assert.equal(msg('1 1'), 'error in expression evaluation: expecting operator (after processing "1 ")');
  assert.equal(msg('1<2'), 'error in expression evaluation: expecting operator (after processing "1")');
  assert.equal(msg(''), 'error in expression evaluation: expecting number or opening parenthesis (after processing "")');
  assert.match(msg('('.repeat(5000) + '1' + ')'.repeat(5000)), /nested too deeply/);
});
