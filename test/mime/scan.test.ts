// The MIME scan of a whole message in a real scan directory: the
// variables each part sees, `decode` files and their names, attached
// messages scanned afterwards with $mime_is_rfc822, and the directory
// removed at the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newContext } from '../../src/expand/context.ts';
import { expandString } from '../../src/expand/index.ts';
import { clearMimeVariables, mboxText, scanMessage, ScanDirectory, type MimePartHandle } from '../../src/mime/index.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');

function withSpool(fn: (spool: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-mime-'));
    try {
      await fn(spool);
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  };
}

function message(file: string): Buffer {
  const text = fs.readFileSync(path.join(FIXTURES, file));
  const split = text.indexOf('\n\n');
  const headers = text.toString('latin1', 0, split + 1).split(/(?<=\n)(?![ \t])/);
  return mboxText({ sender: 'a@b.example', recipients: ['c@d.example', 'e@f.example'], headers, body: text.subarray(split + 2), now: new Date(2026, 10, 2, 9, 5, 7) });
}

test('the .eml text: From line, envelope lines, headers, blank line, body', () => {
  const t = mboxText({ sender: '', recipients: ['x@y'], headers: ['Subject: s\n'], body: Buffer.from('b\n'), now: new Date(2026, 10, 2, 9, 5, 7) });
  assert.equal(t.toString(), 'From MAILER-DAEMON Mon Nov  2 09:05:07 2026\nX-Envelope-To: x@y\nSubject: s\n\nb\n');
});

test('every part gets its variables; decode = default numbers the files; sizes in KB; the directory goes', withSpool(async (spool) => {
  const ctx = newContext();
  const dir = new ScanDirectory(spool, 'MSGID');
  const eml = message('filenames-1.eml');
  await dir.writeMbox(eml);
  assert.equal(fs.readFileSync(dir.emlPath).toString('latin1'), eml.toString('latin1'));
  const seen: string[] = [];
  const verdict = await scanMessage(eml, {
    ctx, dir, rfc2047LengthCheck: true, panic: (t) => assert.fail(t),
    runAcl: async (part: MimePartHandle) => {
      // read through the expander, which knows each variable's value when unset
      const v = (n: string): string => expandString(`$${n}`, ctx);
      assert.equal(await part.decode('default'), 'OK');
      seen.push(`${v('mime_part_count')} ${v('mime_content_type')} ${v('mime_filename')} ${path.basename(v('mime_decoded_filename'))} ${v('mime_content_size')} ${v('mime_anomaly_level')}`);
      assert.equal(ctx.vars.get('mime_filename')?.tainted ?? true, true);
      assert.equal(ctx.vars.get('mime_decoded_filename')?.tainted, false);
      return 'accept';
    },
  });
  assert.equal(verdict, 'accept');
  assert.deepEqual(seen, [
    '0 multipart/mixed  MSGID-00000 1 0',
    '1 application/octet-stream € rates.txt MSGID-00001 1 0',
    '2  € rates.txt MSGID-00002 1 0',
    "3  UTF-8'en'r_a=es%20x.txt MSGID-00003 1 0",
    '4 text/plain f\udce9e xabc.txt MSGID-00004 1 0',
    '5  a;bc.txt MSGID-00005 1 0',
    '6 text/plain quoted \\x\\ y  MSGID-00006 1 1',
  ]);
  assert.equal(fs.readFileSync(path.join(dir.path, 'MSGID-00006'), 'latin1'), 'a=bc=zz\n');
  // after the scan: the count stays, the per-part variables are gone
  assert.equal(ctx.vars.get('mime_part_count')?.value, '6');
  assert.equal(ctx.vars.get('mime_content_type'), undefined);
  const traced: string[] = [];
  await dir.remove((l) => traced.push(l));
  assert.equal(fs.existsSync(dir.path), false);
  assert.equal(traced.length, 8);
  assert.match(traced[0], /^unspool_mbox\(\): unlinking '.*\/scan\/MSGID\/MSGID-00000'$/);
  clearMimeVariables(ctx);
  assert.equal(ctx.vars.get('mime_part_count'), undefined);
}));

test('decode options: false, a relative name, an existing directory, a full path, tainted names; raw part for regex', withSpool(async (spool) => {
  const ctx = newContext();
  const dir = new ScanDirectory(spool, 'ID2');
  const eml = message('filenames-2.eml');
  await dir.writeMbox(eml);
  const other = path.join(spool, 'elsewhere');
  fs.mkdirSync(other);
  const results: string[] = [];
  const panics: string[] = [];
  await scanMessage(eml, {
    ctx, dir, rfc2047LengthCheck: true, panic: (t) => panics.push(t),
    runAcl: async (part) => {
      const index = ctx.vars.get('mime_part_count')?.value;
      if (index === '1') {
        results.push(await part.decode('false'), await part.decode('0'));
        results.push(await part.decode('mine.bin'), ctx.vars.get('mime_decoded_filename')!.value);
        results.push(await part.decode(other), ctx.vars.get('mime_decoded_filename')!.value);
        results.push(await part.decode(`${other}/exact : ignored`), ctx.vars.get('mime_decoded_filename')!.value);
        results.push(await part.decode(`${spool}/no/such/dir/f`));
        // a name from tainted data is refused; "default" does not use the value, so it is fine
        results.push(await part.decode(`${other}/from-message.exe`, true), await part.decode('default', true));
        assert.equal(part.raw.toString(), 'x\n');
      }
      if (index === '7') {
        assert.equal(await part.decode(''), 'OK');
        assert.equal(part.decoded?.toString(), 'ABCDU');
        results.push(`${ctx.vars.get('mime_anomaly_level')?.value} ${ctx.vars.get('mime_anomaly_text')?.value}`);
      }
      return 'accept';
    },
  });
  assert.deepEqual(results, [
    'FAIL', 'FAIL',
    'OK', `${dir.path}/mine.bin`,
    'OK', `${other}/ID2-00000`,
    'OK', `${other}/exact`,
    'DEFER',
    'DEFER', 'OK',
    '2 Broken BASE64 encoding detected',
  ]);
  assert.equal(fs.readFileSync(`${other}/exact`, 'latin1'), 'x\n');
  assert.equal(fs.existsSync(`${other}/from-message.exe`), false);
  assert.deepEqual(panics, [`Tainted filename '${other}/from-message.exe'`]);
}));

test('attached messages are scanned after the message, numbered from 0 again, with $mime_is_rfc822; a rejection stops', withSpool(async (spool) => {
  const ctx = newContext();
  const dir = new ScanDirectory(spool, 'ID3');
  const eml = message('nested.eml');
  await dir.writeMbox(eml);
  const seen: string[] = [];
  const verdict = await scanMessage(eml, {
    ctx, dir, rfc2047LengthCheck: true, panic: (t) => assert.fail(t),
    runAcl: async () => {
      const v = (n: string): string => ctx.vars.get(n)?.value ?? '';
      seen.push(`${v('mime_is_rfc822')} ${v('mime_part_count')} ${v('mime_content_type')}`);
      return 'accept';
    },
  });
  assert.equal(verdict, 'accept');
  assert.deepEqual(seen, [
    '0 0 multipart/mixed', '0 1 multipart/alternative', '0 2 text/plain', '0 3 text/html',
    '0 4 message/rfc822', '0 5 message/rfc822', '0 6 multipart/related', '0 7 image/png',
    // the attached messages (Exim takes them in directory order; tern by number)
    '1 0 multipart/mixed', '1 1 text/plain', '1 2 message/rfc822',
    '1 0 text/plain', '1 0 text/plain',
  ]);
  assert.equal(ctx.vars.get('mime_part_count')?.value, '7');
  assert.equal(ctx.vars.get('mime_is_rfc822')?.value, '1');
  assert.deepEqual(fs.readdirSync(dir.path), ['ID3.eml']);

  const seen2: string[] = [];
  const ctx2 = newContext();
  const dir2 = new ScanDirectory(spool, 'ID4');
  await dir2.writeMbox(eml);
  const denied = await scanMessage(eml, {
    ctx: ctx2, dir: dir2, rfc2047LengthCheck: true, panic: (t) => assert.fail(t),
    runAcl: async () => {
      seen2.push(ctx2.vars.get('mime_content_type')!.value);
      return ctx2.vars.get('mime_is_rfc822')?.value === '1' && ctx2.vars.get('mime_content_type')?.value === 'text/plain' ? 'deny' : 'accept';
    },
  });
  assert.equal(denied, 'deny');
  assert.equal(seen2.length, 10);
  assert.equal(ctx2.vars.get('mime_part_count')?.value, '7');
}));
