// Exim's own log tools (Debian exim4-base: eximstats, exigrep) reading the
// mainlog that a real `tern -bdf` wrote for a batch of messages sent with
// smtplib: eximstats must count the messages, their volume and the
// rejections; exigrep must pick out one message's lines by its sender.
// Skipped where the tools are not installed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { run, startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { logField, mxConfig, python, pythonJson } from './receiving-setup.ts';

const EXIMSTATS = '/usr/sbin/eximstats';
const EXIGREP = '/usr/sbin/exigrep';
const BATCH = 6;

let d: TernDaemon;
let ids: string[] = [];
before(async () => {
  d = await startDaemon({ config: mxConfig() });
  // One session, several messages of different sizes, and one refused recipient each time.
  const r = await python(String.raw`
import json, os, smtplib
s = smtplib.SMTP('127.0.0.1', int(os.environ['PORT']), local_hostname='client.example.net', timeout=8)
for i in range(int(os.environ['BATCH'])):
    msg = ('From: sender%d@example.org\r\nTo: rcpt@example.com\r\nSubject: batch %d\r\nMessage-ID: <batch-%d@client.example.net>\r\n\r\n' % (i, i, i)
           + 'line of the body\r\n' * (1 + 10 * i))
    s.sendmail('sender%d@example.org' % i, ['rcpt%d@example.com' % i, 'reject@example.com'], msg)
s.quit()
print(json.dumps({'ok': True}))
`, { PORT: d.port, BATCH });
  pythonJson(r);
  const lines = await waitForArrivals(BATCH);
  ids = lines.map((l) => l.split(' ')[2]);
});
after(async () => {
  await d?.stop();
});

async function waitForArrivals(n: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = d.log().split('\n').filter((l) => / <= /.test(l));
    if (lines.length >= n) return lines;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected ${n} arrivals:\n${d.log()}`);
}

const mainlog = () => `${d.dir}/log/mainlog`;

test('eximstats counts the received messages, their volume and the sending host', async (t) => {
  if (!fs.existsSync(EXIMSTATS)) return t.skip('eximstats is not installed (Debian exim4-base)');
  const arrivals = d.log().split('\n').filter((l) => / <= /.test(l));
  const volume = arrivals.reduce((n, l) => n + Number(logField(l, 'S')), 0);
  const r = await run(EXIMSTATS, ['-nr', '-h0', mainlog()]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\S/, 'eximstats complains about no line');
  // "  Received   <volume>   <messages>   <hosts> ..." in the grand total summary.
  const received = /^ {2}Received +(\d+) +(\d+) +(\d+) /m.exec(r.stdout);
  assert.ok(received, r.stdout);
  assert.deepEqual(received.slice(1).map(Number), [volume, BATCH, 1]);
  // Top sending hosts: the client, by its HELO name, with all the messages and bytes.
  assert.match(r.stdout, new RegExp(`^ +${BATCH} +${volume} +\\d+ +\\(client\\.example\\.net\\)$`, 'm'));
  // Rejections are counted from the "rejected RCPT" lines, with their reason.
  assert.match(r.stdout, new RegExp(`^ {2}Rejects +${BATCH} +1$`, 'm'));
  assert.match(r.stdout, new RegExp(`^ +${BATCH} +Rejected RCPT: Rejected by policy for reject$`, 'm'));
});

test('exigrep picks out one message by its sender, and only that message', async (t) => {
  if (!fs.existsSync(EXIGREP)) return t.skip('exigrep is not installed (Debian exim4-base)');
  const r = await run(EXIGREP, ['-l', 'sender3@example.org', mainlog()]);
  assert.equal(r.code, 0, r.stderr);
  const ours = ids.filter((id) => r.stdout.includes(id));
  assert.equal(ours.length, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`^\\+\\+\\+ ${ours[0]} has not completed \\+\\+\\+\\n\\S+ \\S+ ${ours[0]} <= sender3@example\\.org H=\\(client\\.example\\.net\\) \\[127\\.0\\.0\\.1\\] P=esmtp`, 'm'));
  // The message id found through the sender is the fourth one received.
  assert.equal(ours[0], ids[3]);
});
