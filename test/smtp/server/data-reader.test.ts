import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataReader } from '../../../src/smtp/server/data-reader.ts';

/** Feed wire bytes; return the stored message text, or null when the final dot was not found. */
function read(wire: string): { text: string; rest: string } | null {
  const r = new DataReader(0);
  const buf = Buffer.from(wire, 'latin1');
  const end = r.feedBuffer(buf);
  if (end < 0) return null;
  return { text: Buffer.concat(r.result('dot').chunks).toString('latin1'), rest: buf.subarray(end).toString('latin1') };
}

// Expected texts recorded from Exim 4.98's -D files for the same input (exim4 -bs).
test('CRLF mode: bare LF becomes a space, bare CR ends a line, dot-stuffing removed', () => {
  const r = read('Subject: hi\r\nX-A: a\rb\r\nX-B: c\nd\r\n\r\nl1\r\nl2\nl3\rl4\r\n..dot\r\n.x\r\nA\n.\r\nB\r\n.\nC\r\n.\rD\r\n\n.\nE\r\n.\r\nQUIT\r\n');
  assert.ok(r);
  assert.equal(r.text, 'Subject: hi\nX-A: a\n b\nX-B: c\n d\n\nl1\nl2 l3\nl4\n.dot\nx\nA .\nB\n C\n\nD\n . E\n');
  assert.equal(r.rest, 'QUIT\r\n');
});

test('smuggling sequences do not end DATA after a CRLF first line', () => {
  const r = read('S: h\r\n\r\n1a\r.\r\n1b\r\n2a\n.\n2b\r\n3a\r\n.\n\r\n3b\r\n4a\r\r\n.\r\r\n4b\r\n\r\n..\r\n.\r\n');
  assert.ok(r);
  assert.equal(r.text, 'S: h\n\n1a\n.\n1b\n2a . 2b\n3a\n \n3b\n4a\n\n\n\n4b\n\n.\n');
  assert.equal(read('S: h\r\n\r\nx\n.\r\n'), null);
  assert.equal(read('S: h\r\n\r\nx\r\n.\n'), null);
  assert.equal(read('S: h\r\n\r\nx\r.\r\n'), null);
});

test('LF mode (first line ends in bare LF): LF . LF ends the message', () => {
  const r = read('Subject: hi\nX-A: a\rb\n\nl1\nl2\r\n.x\n.\nA\r\n');
  assert.ok(r);
  assert.equal(r.text, 'Subject: hi\nX-A: a\n b\n\nl1\nl2\nx\n');
  assert.equal(r.rest, 'A\r\n');
});

test('size limit: bytes are counted but not kept beyond the limit', () => {
  const d = new DataReader(10);
  assert.ok(d.feedBuffer(Buffer.from('0123456789abc\r\n.\r\n')) > 0);
  const res = d.result('dot');
  assert.equal(res.tooBig, true);
  assert.equal(res.chunks.length, 0);
  assert.equal(res.size, 14);
});

test('byte-at-a-time feeding gives the same result', () => {
  const wire = 'S: h\r\n\r\nA\n.\r\nB\r\n..x\r\n.\r\n';
  const d = new DataReader(0);
  let done = false;
  for (const c of Buffer.from(wire, 'latin1')) if (d.feed(c)) { done = true; break; }
  assert.ok(done);
  assert.equal(Buffer.concat(d.result('dot').chunks).toString('latin1'), 'S: h\n\nA .\nB\n.x\n');
});

test('past message_size_limit the rest is only swallowed, and any "." line ends it, as exim4 -bdf does', () => {
  const over = (end: string): number => {
    const r = new DataReader(100);
    const buf = Buffer.from('Subject: x\r\n\r\n' + 'x'.repeat(200) + end + 'NOOP\r\n', 'latin1');
    const at = r.feedBuffer(buf);
    assert.ok(r.result('dot').tooBig);
    return at < 0 ? -1 : buf.length - at;
  };
  for (const end of ['\n.\n', '\r\n.\n', '\n.\r\n', '\r\n.\r\n', '\r\nx\n.\n']) assert.equal(over(end), 'NOOP\r\n'.length, JSON.stringify(end));
  assert.equal(over('\r.\r\n'), -1, 'not after a bare CR');
});
