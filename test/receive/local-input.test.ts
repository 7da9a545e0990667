import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLocalMessage } from '../../src/receive/local-input.ts';
import { compileRegex } from '../../src/regex/index.ts';

const read = (s: string, dotIsEnd = true) => readLocalMessage(Buffer.from(s, 'latin1'), { dotIsEnd }).raw.toString('latin1');

test('a lone dot ends the message unless -i', () => {
  assert.equal(read('A: b\n\nline\n.\nafter\n'), 'A: b\n\nline\n');
  assert.equal(read('A: b\n\nline\n.\nafter\n', false), 'A: b\n\nline\n.\nafter\n');
  assert.equal(read('A: b\n\nline\r\n.\r\nafter\r\n'), 'A: b\n\nline\n');
  assert.equal(read('A: b\n\nx\n.'), 'A: b\n\nx\n');
});

test('CR . CR does not end the message; bare CR ends a line; in a header it continues it', () => {
  assert.equal(read('Subject: a\rX: y\n\nb1\rb2\n.\rafter\n'), 'Subject: a\n X: y\n\nb1\nb2\n.\nafter\n');
});

test('CRLF first line: a bare LF continues a header and is a space in the body', () => {
  assert.equal(read('Subject: a\r\nX: y\nZ: z\r\n\r\nb1\nb2\r\n'), 'Subject: a\nX: y\n Z: z\n\nb1 b2\n');
});

test('missing final newline is added; NULs pass through', () => {
  assert.equal(read('A: b\n\nbo\0dy'), 'A: b\n\nbo\0dy\n');
});

test('an initial From line is removed and its address captured; max line length counts it', () => {
  const pattern = compileRegex('^From\\s+(\\S+)\\s+(?:[a-zA-Z]{3},?\\s+)?(?:[a-zA-Z]{3}\\s+\\d?\\d|\\d?\\d\\s+[a-zA-Z]{3}\\s+\\d\\d(?:\\d\\d)?)\\s+\\d\\d?:\\d\\d?');
  const r = readLocalMessage(Buffer.from('From a@b.example Fri Jan  5 12:35 GMT 1996\nSubject: s\n\nx\n'), { dotIsEnd: true, fromPattern: pattern });
  assert.equal(r.fromLineSender, 'a@b.example');
  assert.equal(r.raw.toString(), 'Subject: s\n\nx\n');
  assert.equal(r.maxLineLength, 'From a@b.example Fri Jan  5 12:35 GMT 1996'.length);
  const notFrom = readLocalMessage(Buffer.from('From nothing\nSubject: s\n'), { dotIsEnd: true, fromPattern: pattern });
  assert.equal(notFrom.fromLineSender, undefined);
  assert.equal(notFrom.raw.toString(), 'From nothing\nSubject: s\n');
});
