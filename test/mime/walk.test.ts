// The MIME walker and decoders against what Exim 4.98 gives for the same
// messages (recorded with exim4 -bh and a MIME ACL that logs every
// $mime_* variable and the decoded content; see fixtures/README.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeBody, walkParts, type MimePart } from '../../src/mime/index.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');

/** The message as Exim's scanner reads it: the mbox lines of the .eml file first. */
function eml(body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from('From MAILER-DAEMON Sun Nov 22 14:57:18 2026\nX-Envelope-From: <a@b.example>\nX-Envelope-To: c@d.example\n'), Buffer.from(body)]);
}

interface Seen {
  line: string;
  decoded: string;
  anomaly: number;
}

/** One line per part, in the shape of the recording ACL's log line (byte strings). */
async function walk(text: Buffer, opts: { stop?: number } = {}): Promise<Seen[]> {
  const seen: Seen[] = [];
  await walkParts(text, {
    visit: async (p: MimePart) => {
      const d = decodeBody(p.source, p.bodyStart, p.endBoundary, p.contentTransferEncoding);
      seen.push({
        line: `PART ${p.index} ct=[${p.contentType ?? ''}] cs=[${p.charset ?? ''}] cte=[${p.contentTransferEncoding ?? ''}] id=[${p.contentId ?? ''}] desc=[${p.contentDescription ?? ''}] disp=[${p.contentDisposition ?? ''}] fn=[${p.filename ?? ''}] b=[${p.boundary ?? ''}] mp=${p.isMultipart ? 1 : 0} cl=${p.isCoverletter ? 1 : 0}`,
        decoded: d.data.toString('latin1'),
        anomaly: d.anomaly?.level ?? 0,
      });
      return opts.stop === p.index ? 'deny' : 'accept';
    },
    attached: async () => true,
  }, { rfc2047LengthCheck: true });
  return seen;
}

const fixture = (name: string): Buffer => eml(fs.readFileSync(path.join(FIXTURES, name)));

test('parameters and file names as Exim 4.98 reads them (RFC 2231 pieces, 2047 words, quoting quirks)', async () => {
  const seen = await walk(fixture('filenames-1.eml'));
  assert.deepEqual(seen.map((s) => s.line), [
    'PART 0 ct=[multipart/mixed] cs=[] cte=[] id=[] desc=[] disp=[] fn=[] b=[XYZ] mp=1 cl=1',
    // filename*= in Content-Disposition wins over an earlier name= (UTF-8 bytes, not converted)
    'PART 1 ct=[application/octet-stream] cs=[] cte=[] id=[] desc=[] disp=[attachment] fn=[\xe2\x82\xac rates.txt] b=[] mp=0 cl=1',
    'PART 2 ct=[] cs=[] cte=[] id=[] desc=[] disp=[attachment] fn=[\xe2\x82\xac rates.txt] b=[] mp=0 cl=0',
    // "=es" is not a hex escape: the piece does not decode and the name is as written
    "PART 3 ct=[] cs=[] cte=[] id=[] desc=[] disp=[attachment] fn=[UTF-8'en'r_a=es%20x.txt] b=[] mp=0 cl=0",
    'PART 4 ct=[text/plain] cs=[] cte=[] id=[] desc=[] disp=[attachment] fn=[f\xe9e xabc.txt] b=[] mp=0 cl=0',
    // a quoted ';' ends the value for the header reader, which then drops the space
    'PART 5 ct=[] cs=[] cte=[] id=[] desc=[] disp=[attachment] fn=[a;bc.txt] b=[] mp=0 cl=0',
    'PART 6 ct=[text/plain] cs=[UTF-8 (comment)] cte=[quoted-printable] id=[] desc=[] disp=[] fn=[quoted \\x\\ y ] b=[] mp=0 cl=0',
  ]);
  assert.equal(seen[6].decoded, 'a=bc=zz\n');
  assert.equal(seen[6].anomaly, 1);
  // the outermost part's content is the whole body, preamble included
  assert.match(seen[0].decoded, /^--XYZ\nContent-Type: application\/octet-stream/);
  assert.ok(seen[0].decoded.endsWith('c=zz\n--XYZ--\n'));
});

test('RFC 2231 language tags, numbered pieces, later parameters winning, broken base64', async () => {
  const seen = await walk(fixture('filenames-2.eml'));
  assert.deepEqual(seen.map((s) => s.line.replace(/ cs=\[\] cte=\[[^\]]*\] id=\[\] desc=\[\]/, '')), [
    'PART 0 ct=[multipart/mixed] disp=[] fn=[] b=[XYZ] mp=1 cl=1',
    "PART 1 ct=[] disp=[attachment] fn=[en'rates x.txt] b=[] mp=0 cl=1",
    'PART 2 ct=[text/plain] disp=[attachment] fn=[should not win] b=[] mp=0 cl=0',
    'PART 3 ct=[text/plain] disp=[attachment] fn=[third] b=[] mp=0 cl=0',
    'PART 4 ct=[text/plain] disp=[attachment] fn=[second] b=[] mp=0 cl=0',
    'PART 5 ct=[] disp=[attachment] fn=[plainmore] b=[] mp=0 cl=0',
    'PART 6 ct=[] disp=[attachment] fn=[x y z] b=[] mp=0 cl=0',
    'PART 7 ct=[application/x] disp=[] fn=[\xc3\xa9] b=[] mp=0 cl=0',
  ]);
  // "BASE64" is lower-cased; "RE=V" keeps its position counting; "!!" is skipped and flagged
  assert.equal(seen[7].decoded, 'ABCDU');
  assert.equal(seen[7].anomaly, 2);
});

test('nested multiparts: cover letter rules, message/rfc822 parts handed over, content of each part', async () => {
  const attached: string[] = [];
  const seen: string[] = [];
  const text = fixture('nested.eml');
  await walkParts(text, {
    visit: async (p) => {
      seen.push(`${p.index} ${p.contentType ?? ''} cl=${p.isCoverletter ? 1 : 0} fn=${p.filename ?? ''}`);
      return 'accept';
    },
    attached: async (p) => {
      attached.push(decodeBody(p.source, p.bodyStart, p.endBoundary, p.contentTransferEncoding).data.toString('latin1'));
      return true;
    },
  }, { rfc2047LengthCheck: true });
  assert.deepEqual(seen, [
    '0 multipart/mixed cl=1 fn=',
    '1 multipart/alternative cl=1 fn=',
    '2 text/plain cl=1 fn=',
    '3 text/html cl=1 fn=',
    '4 message/rfc822 cl=0 fn=',
    '5 message/rfc822 cl=0 fn=',
    // a piece with a quoted space does not decode: the pieces as written
    "6 multipart/related cl=0 fn=UTF-8''a%20bc d%41",
    '7 image/png cl=0 fn=',
  ]);
  assert.equal(attached.length, 2);
  assert.match(attached[0], /^Subject: inner\nContent-Type: multipart\/mixed; boundary=C\n\n--C\n/);
  assert.ok(attached[0].endsWith('deep\n--C--\n'));
  assert.equal(attached[1], 'Subject: b64\nContent-Type: text/plain\n\nhi\n');
  // the attached messages walk as messages of their own
  const inner = await walk(Buffer.from(attached[0]));
  assert.deepEqual(inner.map((s) => s.line.replace(/ cs=.*? b=/, ' b=')), [
    'PART 0 ct=[multipart/mixed] b=[C] mp=1 cl=1',
    'PART 1 ct=[text/plain] b=[] mp=0 cl=1',
    'PART 2 ct=[message/rfc822] b=[] mp=0 cl=0',
  ]);
});

test('header lines: comments and white space go outside values, continuation lines join, descriptions squeezed', async () => {
  const seen = await walk(eml([
    'Subject: test',
    'Content-Type: multipart/mixed;',
    '\tboundary="XYZ"',
    '',
    'preamble',
    '--XYZ',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Description: My nice file (comment) here',
    'Content-ID: <Abc@Def>',
    '',
    'hello world',
    '--XYZ--',
    'epilogue',
    '',
  ].join('\n')));
  assert.equal(seen[0].line, 'PART 0 ct=[multipart/mixed] cs=[] cte=[] id=[] desc=[] disp=[] fn=[] b=[XYZ] mp=1 cl=1');
  assert.equal(seen[1].line, 'PART 1 ct=[text/plain] cs=[us-ascii] cte=[] id=[<abc@def>] desc=[mynicefilehere] disp=[] fn=[] b=[] mp=0 cl=1');
  assert.equal(seen[1].decoded, 'hello world\n');
  assert.equal(seen.length, 2);
});

test('a part that is not accepted ends the walk with its verdict', async () => {
  let visited = 0;
  const r = await walkParts(fixture('filenames-1.eml'), {
    visit: async (p) => { visited++; return p.index === 2 ? 'deny' : 'accept'; },
    attached: async () => true,
  }, { rfc2047LengthCheck: true });
  assert.deepEqual(r, { verdict: 'deny', partCount: 2 });
  assert.equal(visited, 3);
});

test('a message without multipart is one part; base64 without padding keeps its last partial byte', async () => {
  const seen = await walk(eml('Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nQQ\n'));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].decoded, 'A\x00');
  // padding in the middle: the byte completed next is the one the line buffer held (exim4: "tabu\260")
  const stale = await walk(eml('Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\ndGFi\n=b\n'));
  assert.equal(stale[0].decoded, 'tabu\xb0');
  assert.equal(stale[0].anomaly, 0);
  const qp = await walk(eml('Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nsoft=  \nbreak=3d=3D\n'));
  assert.equal(qp[0].decoded, 'softbreak==\n');
  assert.equal(qp[0].anomaly, 0);
});
