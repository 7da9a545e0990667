import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseFixed, parseInteger, parseOctal, parseTime, parseTimeList, readStringValue, splitList } from '../../src/config/values.ts';
import { formatFixed, formatKilo, formatSize, formatTime, printable } from '../../src/config/format.ts';

test('booleans: bare, true/yes/false/no in any case, and Exim\'s error', () => {
  assert.equal(parseBool('', 'q'), true);
  assert.equal(parseBool('YES', 'q'), true);
  assert.equal(parseBool('False', 'q'), false);
  assert.throws(() => parseBool('maybe', 'queue_only'), { message: '"maybe" is not a valid value for the "queue_only" option' });
});

test('integers: decimal, octal, hex, K/M/G, sign and errors', () => {
  assert.equal(parseInteger('010', 'x'), 8);
  assert.equal(parseInteger('0x10', 'x'), 16);
  assert.equal(parseInteger('2K', 'x'), 2048);
  assert.equal(parseInteger('3M', 'x'), 3 * 1024 * 1024);
  assert.equal(parseInteger('-3', 'x'), -3);
  assert.equal(parseInteger('0', 'x'), 0);
  assert.throws(() => parseInteger('12x', 'smtp_accept_max'), { message: 'extra characters follow integer value for smtp_accept_max' });
  assert.throws(() => parseInteger('', 'smtp_accept_max'), { message: 'integer expected for smtp_accept_max' });
  assert.throws(() => parseInteger('99999999999', 'm'), { message: 'absolute value of integer "99999999999" is too large (overflow)' });
  assert.throws(() => parseInteger('2G', 'm'), /too large/);
  // Kilobyte options: a bare number is already K.
  assert.equal(parseInteger('100', 'x', { kilo: true }), 100);
  assert.equal(parseInteger('10M', 'x', { kilo: true }), 10240);
});

test('octal, fixed point and their printing', () => {
  assert.equal(parseOctal('755', 'mode'), 0o755);
  assert.equal(parseOctal('0600', 'mode'), 0o600);
  assert.equal(parseFixed('1.2345', 'l'), 1234);
  assert.equal(parseFixed('2', 'l'), 2000);
  assert.throws(() => parseFixed('x', 'queue_only_load'), { message: 'fixed-point number expected for queue_only_load' });
  assert.equal(formatFixed(2000), '2.0');
  assert.equal(formatFixed(1500), '1.5');
  assert.equal(formatFixed(1234), '1.234');
});

test('time intervals and time lists', () => {
  assert.equal(parseTime('1d2h30m', 't'), 86400 + 7200 + 1800);
  assert.equal(parseTime('90m', 't'), 5400);
  for (const bad of ['90', '', '1h 30m', '3x', '0']) {
    assert.throws(() => parseTime(bad, 'auto_thaw'), { message: 'invalid time value for auto_thaw' }, bad);
  }
  assert.deepEqual(parseTimeList('1h:2h', 'd'), [3600, 7200]);
  assert.throws(() => parseTimeList('1h:2h:30m', 'delay_warning'), { message: 'time value out of order for delay_warning' });
  assert.equal(formatTime(5400), '1h30m');
  assert.equal(formatTime(8 * 86400 + 1), '1w1d1s');
  assert.equal(formatTime(0), '0s');
});

test('sizes print with K/M/G only when exact', () => {
  assert.equal(formatSize(3145728), '3M');
  assert.equal(formatSize(1500), '1500');
  assert.equal(formatSize(102400), '100K');
  assert.equal(formatKilo(100), '100K');
  assert.equal(formatKilo(10240), '10M');
  assert.equal(formatKilo(3145728), '3G');
});

test('quoted strings: escapes, missing quote, trailing text', () => {
  assert.equal(readStringValue('plain "text" \\n', 'x'), 'plain "text" \\n');
  assert.equal(readStringValue('"a\\tb\\x41\\101\\q\\\\"', 'x'), 'a\tbAAq\\');
  assert.equal(readStringValue('" padded "', 'x'), ' padded ');
  assert.throws(() => readStringValue('"abc', 'primary_hostname'), { message: 'missing quote at end of string value for primary_hostname' });
  assert.throws(() => readStringValue('"abc" junk', 'primary_hostname'), { message: 'extra characters follow string value for primary_hostname' });
  assert.equal(printable('a\tb\n'), 'a\\tb\\n');
});

test('list construction: separators, doubling, empty items', () => {
  assert.deepEqual(splitList('127.0.0.1 : ::::1'), ['127.0.0.1', '::1']);
  assert.deepEqual(splitList('<; 127.0.0.1 ; ::1'), ['127.0.0.1', '::1']);
  assert.deepEqual(splitList('a : : b'), ['a', '', 'b']);
  assert.deepEqual(splitList('a :'), ['a']);
  assert.deepEqual(splitList(':'), ['']);
  assert.deepEqual(splitList('<\n a \n b'), ['a', 'b']);
});
