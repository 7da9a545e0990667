// PRDR through a real `tern -bdf` on loopback: MAIL ... PRDR, then after
// the data "353", one reply per recipient from acl_smtp_data_prdr, and the
// final reply; refused recipients are not on the spool, and each answer has
// its main-log line. Texts are Exim 4.98's (recorded with exim4 -bh on this
// configuration); TERN_INTEG_PROGRAM=exim4 runs this file against Exim.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpClient, type SmtpReply } from '../helpers/smtp-client.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';

const CONFIG = `
primary_hostname = mx.example.com
queue_only = true
prdr_enable = true
acl_smtp_rcpt = check_rcpt
acl_smtp_data_prdr = check_prdr
acl_smtp_data = check_data

begin acl

check_rcpt:
  accept  logwrite = rcpt $local_part prdr_requested=$prdr_requested

check_prdr:
  deny    local_parts = spamhater
          message = $local_part does not want this
  defer   local_parts = later
          log_message = mailbox busy
  deny    local_parts = silent
  accept  logwrite = prdr accepts $local_part@$domain of [$recipients]

check_data:
  deny    condition = \${if match{$h_subject:}{data-refuse}}
          message = refused by the DATA ACL
  accept  logwrite = data ACL sees [$recipients] prdr_requested=$prdr_requested lp=[$local_part]
`;

let d: TernDaemon;
before(async () => {
  d = await startDaemon({ config: CONFIG });
});
after(async () => {
  await d?.stop();
});

/** One transaction; returns the replies after the data (353, per recipient, final). */
async function send(rcpts: string[], subject: string, prdr = true): Promise<{ mail: SmtpReply; after: SmtpReply[] }> {
  const c = await SmtpClient.connect(d.port);
  assert.equal((await c.reply())?.code, 220);
  const ehlo = await c.command('EHLO client.example.net');
  assert.ok(ehlo.lines.includes('PRDR'), ehlo.raw);
  const mail = await c.command(`MAIL FROM:<sender@example.org>${prdr ? ' PRDR' : ''}`);
  for (const r of rcpts) assert.equal((await c.command(`RCPT TO:<${r}>`)).code, 250);
  assert.equal((await c.command('DATA')).code, 354);
  c.write(`Subject: ${subject}\r\n\r\nbody\r\n.\r\n`);
  const after: SmtpReply[] = [];
  const expected = prdr && rcpts.length > 1 ? rcpts.length + 2 : 1;
  for (let i = 0; i < expected; i++) {
    const r = await c.reply();
    if (!r) break;
    after.push(r);
    // the DATA ACL can still refuse the whole message after the per-recipient replies
    if (r.code === 550 && r.lines[0] === 'refused by the DATA ACL') break;
  }
  await c.command('QUIT');
  return { mail, after };
}

const ID = /id=(\S+)/;

test('one recipient refused, one accepted: 353, 550 and 250 in order, "accepted for some recipients"; only the accepted one is spooled', async () => {
  const { mail, after } = await send(['spamhater@example.com', 'happy@example.com'], 'mixed');
  assert.equal(mail.raw, '250 OK, PRDR Requested');
  assert.deepEqual(after.map((r) => r.raw.replace(ID, 'id=ID')), [
    '353 PRDR content analysis beginning',
    '550 spamhater does not want this',
    '250 PRDR R=<happy@example.com> acceptance',
    '250 id=ID message accepted for some recipients',
  ]);
  const id = ID.exec(after[3].raw)![1];
  const arrival = await d.arrivalLine(id);
  assert.match(arrival, / <= sender@example\.org H=\(client\.example\.net\) \[127\.0\.0\.1\] P=esmtp PRDR S=\d+$/);
  const log = d.log();
  assert.ok(log.includes(`${id} PRDR spamhater@example.com spamhater does not want this\n`), log);
  assert.ok(log.includes(`${id} prdr accepts happy@example.com of [happy@example.com]\n`), log);
  assert.ok(log.includes(`${id} PRDR R=<happy@example.com> acceptance\n`), log);
  // the last recipient's $local_part is gone by the DATA ACL
  assert.ok(log.includes(`${id} data ACL sees [happy@example.com] prdr_requested=yes lp=[]\n`), log);
  assert.match(log, /rcpt spamhater prdr_requested=yes\n/);
  // PRDR refusals go to the main log only
  assert.doesNotMatch(d.log('reject'), /spamhater/);
  assert.deepEqual(d.readMessage(id).header.recipients.map((r) => r.address), ['happy@example.com']);
});

test('a defer is 450 with its log_message logged; a refusal without message gets the default texts', async () => {
  const { after } = await send(['later@example.com', 'silent@example.com', 'fine@example.com'], 'three');
  assert.deepEqual(after.map((r) => r.raw.replace(ID, 'id=ID')), [
    '353 PRDR content analysis beginning',
    '450 PRDR R=<later@example.com> temporary refusal',
    '550 PRDR R=<silent@example.com> refusal',
    '250 PRDR R=<fine@example.com> acceptance',
    '250 id=ID message accepted for some recipients',
  ]);
  const id = ID.exec(after[4].raw)![1];
  await d.arrivalLine(id);
  assert.ok(d.log().includes(`${id} PRDR later@example.com mailbox busy\n`));
  assert.ok(d.log().includes(`${id} PRDR R=<silent@example.com> refusal\n`));
  assert.deepEqual(d.readMessage(id).header.recipients.map((r) => r.address), ['fine@example.com']);
});

test('every recipient refused: "550 ... rejected for all recipients", no DATA ACL, nothing spooled', async () => {
  const before = d.spooledIds();
  const { after } = await send(['spamhater@example.com', 'silent@example.com'], 'nobody');
  assert.deepEqual(after.map((r) => r.raw.replace(ID, 'id=ID')), [
    '353 PRDR content analysis beginning',
    '550 spamhater does not want this',
    '550 PRDR R=<silent@example.com> refusal',
    '550 id=ID message rejected for all recipients',
  ]);
  const id = ID.exec(after[3].raw)![1];
  await d.waitForLog(new RegExp(`${id} PRDR R=<silent@example.com> refusal`));
  assert.doesNotMatch(d.log(), new RegExp(`${id} (<=|data ACL)`));
  assert.deepEqual(d.spooledIds(), before);
});

test('all accepted: "message accepted"; the DATA ACL can still refuse after the per-recipient replies', async () => {
  const ok = await send(['a@example.com', 'b@example.com'], 'fine');
  assert.equal(ok.after[3].raw.replace(ID, 'id=ID'), '250 id=ID message accepted');
  const id = ID.exec(ok.after[3].raw)![1];
  await d.arrivalLine(id);
  assert.deepEqual(d.readMessage(id).header.recipients.map((r) => r.address), ['a@example.com', 'b@example.com']);

  const refused = await send(['a@example.com', 'spamhater@example.com'], 'data-refuse');
  assert.deepEqual(refused.after.map((r) => r.raw), [
    '353 PRDR content analysis beginning',
    '250 PRDR R=<a@example.com> acceptance',
    '550 spamhater does not want this',
    '550 refused by the DATA ACL',
  ]);
  await d.waitForLog(/F=<sender@example\.org> rejected after DATA: refused by the DATA ACL/);
});

test('one recipient, or no PRDR on MAIL: the usual single reply and $prdr_requested says no', async () => {
  const one = await send(['solo@example.com'], 'solo');
  assert.match(one.after[0].raw, /^250 OK id=\S+$/);
  const id1 = ID.exec(one.after[0].raw)![1];
  assert.doesNotMatch(await d.arrivalLine(id1), / PRDR /);
  assert.ok(d.log().includes(`${id1} data ACL sees [solo@example.com] prdr_requested=no lp=`));
  const plain = await send(['spamhater@example.com', 'x@example.com'], 'no prdr', false);
  assert.equal(plain.mail.raw, '250 OK');
  assert.match(plain.after[0].raw, /^250 OK id=\S+$/);
  const id2 = ID.exec(plain.after[0].raw)![1];
  await d.arrivalLine(id2);
  assert.deepEqual(d.readMessage(id2).header.recipients.map((r) => r.address), ['spamhater@example.com', 'x@example.com']);
});

test('BDAT LAST with PRDR: the per-recipient replies, then the final reply alone (no chunk line)', async () => {
  const c = await SmtpClient.connect(d.port);
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('EHLO client.example.net')).code, 250);
  assert.equal((await c.command('MAIL FROM:<sender@example.org> PRDR')).code, 250);
  assert.equal((await c.command('RCPT TO:<spamhater@example.com>')).code, 250);
  assert.equal((await c.command('RCPT TO:<chunky@example.com>')).code, 250);
  const data = 'Subject: chunked\r\n\r\nbody\r\n';
  c.write(`BDAT ${data.length} LAST\r\n${data}`);
  const replies = await c.replies(4);
  assert.deepEqual(replies.map((r) => r.raw.replace(ID, 'id=ID')), [
    '353 PRDR content analysis beginning',
    '550 spamhater does not want this',
    '250 PRDR R=<chunky@example.com> acceptance',
    '250 id=ID message accepted for some recipients',
  ]);
  await c.command('QUIT');
  const id = ID.exec(replies[3].raw)![1];
  assert.match(await d.arrivalLine(id), / P=esmtp PRDR K S=\d+$/);
  assert.deepEqual(d.readMessage(id).header.recipients.map((r) => r.address), ['chunky@example.com']);
});
