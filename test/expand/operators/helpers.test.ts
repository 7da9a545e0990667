// The parts the recorded replay cannot cover: host-dependent operators
// (stat, randint), the byte convention, the item-form helpers and the
// spec-defined headerwrap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, utimesSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newContext } from '../../../src/expand/context.ts';
import { ExpandError } from '../../../src/expand/errors.ts';
import {
  OPERATORS, resolveOperator, hashString, nhashString, substrString, lengthString, parseItemNumber,
  decodeBytes, encodeBytes, byteLength, extractAddress,
} from '../../../src/expand/operators/index.ts';
import { headerWrap } from '../../../src/expand/operators/misc.ts';

const ctx = newContext();
const op = (name: string, subject: string): string => {
  const r = resolveOperator(name);
  assert.ok(r, name);
  return r.fn(subject, ctx, r.arg);
};

test('stat prints Exim\'s fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tern-stat-'));
  try {
    const f = join(dir, 'f');
    writeFileSync(f, 'hello');
    chmodSync(f, 0o640);
    utimesSync(f, 1577836800, 1577836801);
    const st = statSync(f);
    assert.equal(op('stat', f), `mode=0640 smode=-rw-r----- inode=${st.ino} device=${st.dev} links=1 uid=${st.uid} gid=${st.gid}`
      + ` size=5 atime=1577836800 mtime=1577836801 ctime=${Math.floor(st.ctimeMs / 1000)}`);
    chmodSync(dir, 0o1755);
    assert.match(op('stat', dir), /^mode=41755 smode=drwxr-xr-t /);
    assert.throws(() => op('stat', join(dir, 'none')), { message: `stat(${join(dir, 'none')}) failed: No such file or directory` });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('randint stays in range', () => {
  for (let i = 0; i < 200; i++) {
    const v = Number(op('randint', '10'));
    assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
  }
  assert.equal(op('randint', '1'), '0');
  assert.equal(op('randint', '0'), '0');
  assert.ok(Number(op('randint', '1k')) < 1024);
});

test('bytes: invalid UTF-8 survives decode/encode, text stays text', () => {
  const raw = Buffer.from([0x61, 0xc3, 0xa9, 0xff, 0xe2, 0x82, 0x00, 0x7f]);
  const s = decodeBytes(raw);
  assert.equal(s, 'a\u00e9\udcff\udce2\udc82\u0000\u007f');
  assert.deepEqual(encodeBytes(s), raw);
  assert.equal(byteLength('h\u00e9llo'), 6);
  assert.equal(op('length_1', 'フィル'), '\udce3');
  assert.equal(op('utf8clean', op('length_1', 'フィル')), '?');
});

test('item-form helpers', () => {
  assert.equal(hashString('monty', 3), 'jmg');
  assert.equal(hashString('monty python', 4, 62), 'fbWx');
  assert.equal(hashString('abc', 62, 62), 'abc');
  assert.throws(() => hashString('abcdef', 2, 63), { message: 'hash count "63" too big' });
  assert.equal(nhashString('supercalifragilisticexpialidocious', 8, 64), '6/33');
  assert.equal(nhashString('abc', -1), '32236');
  assert.equal(nhashString('', 3, 4), '0/0');
  assert.throws(() => nhashString('abc', 0), ExpandError);
  assert.equal(substrString('1234567', -5, 2), '34');
  assert.equal(substrString('12', -5, 2), '');
  assert.equal(substrString('12', -3, 2), '1');
  assert.equal(substrString('abcde', -1), 'abcd');
  assert.equal(lengthString('abc', 99999), 'abc');
  assert.equal(parseItemNumber(' 3', 'hash', false), 3);
  assert.equal(parseItemNumber('-2', 'substr', false), -2);
  assert.throws(() => parseItemNumber('x', 'hash', false), { message: '"x" is not a number (in "hash" expansion)' });
  assert.throws(() => parseItemNumber('1 ', 'substr', false), { message: '"1 " is not a number (in "substr" expansion)' });
  assert.throws(() => parseItemNumber('-1', 'length', true), { message: '"-1" is not a positive number (in "length" expansion)' });
});

test('operator name resolution follows Exim', () => {
  assert.equal(resolveOperator('reverse_ip_x'), undefined);
  assert.equal(resolveOperator('time_eval_x'), undefined);
  assert.equal(resolveOperator('nosuch'), undefined);
  assert.deepEqual(resolveOperator('hash_3_62')?.arg, '3_62');
  assert.equal(resolveOperator('quote_local_part')?.arg, undefined);
  assert.equal(op('mask_n', '2001:db8::1/64'), '2001:db8::/64');
  assert.throws(() => op('quote_nosuch', 'x'), { message: 'unknown lookup type "nosuch"' });
  for (const name of ['eval', 'eval10', 'expand', 'listnamed']) assert.equal(OPERATORS.has(name), false);
});

test('extractAddress gives the domain offset and errors', () => {
  assert.deepEqual(extractAddress('Fred <fred@example.com>'), { address: 'fred@example.com', domainStart: 5 });
  assert.deepEqual(extractAddress('<>', true), { address: '', domainStart: 0 });
  assert.ok('error' in extractAddress('<>'));
  assert.ok('error' in extractAddress('"unterminated@x'));
});

test('headerwrap as the 4.99 spec describes it', () => {
  assert.equal(headerWrap('aaa bbb ccc ddd eee fff', 20), 'aaa bbb ccc ddd eee\n\tfff');
  assert.equal(headerWrap('aaa bbb ccc ddd eee fff', 16), 'aaa bbb ccc ddd\n\teee fff');
  assert.equal(headerWrap('aaa bbb ccc ddd eee fff', 16, 18), 'aaa bbb ccc ddd\n\te');
  assert.equal(headerWrap('short', 10), 'short');
  assert.equal(headerWrap('abcdefghijklmnop', 10), 'abcdefghij\n\tkl\n\tmn\n\top');
  assert.equal(op('headerwrap_14', 'aaa   bbb   ccc   ddd'), 'aaa   bbb\n\tccc\n\tddd');
  assert.equal(op('headerwrap', 'x '.repeat(60).trim()).split('\n')[0].length <= 80, true);
  // Exim 4.98: a subject no longer than cols comes back whole, even past the limit.
  assert.equal(op('headerwrap_20_5', 'aaaaaaaaaa'), 'aaaaaaaaaa');
  assert.equal(op('headerwrap_20_5', 'a'.repeat(21)), 'aaaaa');
});

test('the all-zero IPv6 address is "::" (spec), elsewhere Exim\'s compression', () => {
  assert.equal(op('ipv6norm', '0:0:0:0:0:0:0:0'), '::');
  assert.equal(op('ipv6norm', '::'), '::');
  assert.equal(op('mask_n', '::1/0'), '::/0');
  assert.equal(op('ipv6norm', '1:0:0:0:0:0:0:0'), '1::');
});

test('utf8_domain_from_alabel decodes each xn-- label as it stands (Exim 4.98)', () => {
  assert.equal(op('utf8_domain_from_alabel', 'xn--invalid-'), 'invalid');
  assert.equal(op('utf8_domain_from_alabel', 'FOO.xn--Bcher-kva'), 'FOO.Bücher');
  assert.equal(op('utf8_domain_from_alabel', 'xn--bcher-kva.'), 'bücher');
  assert.equal(op('utf8_domain_from_alabel', 'Xn--bcher-kva'), 'Xn--bcher-kva');
  assert.throws(() => op('utf8_domain_from_alabel', 'xn---'), { message: 'error converting alabel (xn---) to utf8: Invalid input' });
});
