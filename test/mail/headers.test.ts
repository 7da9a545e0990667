import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagHeaders, headerFlag, headerName, HeaderLimitError, splitHeaders } from '../../src/mail/headers.ts';

const split = (s: string, limits = {}) => splitHeaders(Buffer.from(s, 'latin1'), limits);

test('folded headers stay one line; blank line ends the header', () => {
  const r = split('A: 1\n  more\n\tand more\nB: 2\n\nbody\n');
  assert.deepEqual(r.headers, ['A: 1\n  more\n\tand more\n', 'B: 2\n']);
  assert.equal(r.bodyOffset, 'A: 1\n  more\n\tand more\nB: 2\n\n'.length);
  assert.equal(r.blankLine, true);
});

test('a non-header line starts the body (no separator)', () => {
  const r = split('Subject: x\nnot a header\nTo: y\n');
  assert.deepEqual(r.headers, ['Subject: x\n']);
  assert.equal(r.bodyOffset, 'Subject: x\n'.length);
  assert.equal(r.blankLine, false);
});

test('header names: spaces before the colon, empty name, control characters, leading white space', () => {
  assert.equal(headerName('Subject : x\n'), 'Subject');
  assert.equal(headerName(':novalue\n'), '');
  assert.equal(headerName('X A: b\n'), undefined);
  assert.equal(headerName('X-\x01: b\n'), undefined);
  assert.equal(headerName('X-\xc3\xa9: b\n'), 'X-\xc3\xa9');
  assert.deepEqual(split(' lead: x\nA: b\n').headers, []);
});

test('headers only, no final newline, NULs become ?', () => {
  assert.deepEqual(split('A: 1\nB: 2').headers, ['A: 1\n', 'B: 2\n']);
  assert.deepEqual(split('X-N: a\0b\n\n').headers, ['X-N: a?b\n']);
});

test('__proto__ and constructor are ordinary header names', () => {
  const h = flagHeaders(['__proto__: p\n', 'constructor: c\n', 'toString: t\n', 'From: f\n']);
  assert.deepEqual(h.map((x) => x.flag), [' ', ' ', ' ', 'F']);
});

test('flags, and Message-ID yields I to Resent-Message-ID when resent', () => {
  assert.equal(headerFlag('received', false), 'P');
  assert.equal(headerFlag('Message-ID', false), 'I');
  assert.equal(headerFlag('Message-ID', true), ' ');
  assert.equal(headerFlag('Resent-Message-ID', true), 'I');
  assert.equal(headerFlag('Resent-Reply-To', true), ' ');
  assert.equal(headerFlag('Reply-To', true), 'R');
});

test('header_maxsize and header_line_maxsize; a 1 MB line is fine without limits', () => {
  const big = 'X-Big: ' + 'a'.repeat(1024 * 1024) + '\n\nbody\n';
  assert.equal(split(big).headers[0].length, 1024 * 1024 + 8);
  assert.throws(() => split(big, { maxSize: 1048576 }), (e: unknown) => e instanceof HeaderLimitError && e.which === 'section');
  assert.throws(() => split('A: 1\n 2345\n\n', { maxLineSize: 8 }), (e: unknown) => e instanceof HeaderLimitError && e.which === 'line');
});
