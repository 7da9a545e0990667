// Cross-check with Debian's Exim 4.98 on the same spool: Exim lists, shows
// and delivers what tern spooled, and tern lists what Exim spooled exactly
// as Exim does. Runs only where /usr/sbin/exim4 exists (as root).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyMessage, type Message } from '../../src/mail/message.ts';
import { newMessageId } from '../../src/spool/message-id.ts';
import { writeMessage } from '../../src/spool/write.ts';
import { listQueue } from '../../src/queue/list.ts';

const EXIM = '/usr/sbin/exim4';
const available = fs.existsSync(EXIM) && process.getuid?.() === 0;

function setup(t: test.TestContext, split: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-exim-'));
  fs.chmodSync(dir, 0o777);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spool = path.join(dir, 'spool');
  const conf = path.join(dir, 'conf');
  fs.writeFileSync(conf, [
    `spool_directory = ${spool}`, 'exim_user = root', 'exim_group = root', 'primary_hostname = tern.test',
    `log_file_path = ${dir}/%slog`, 'trusted_users = root', 'keep_environment =', `split_spool_directory = ${split}`,
    'begin routers', 'all:', '  driver = accept', '  transport = tofile',
    'begin transports', 'tofile:', '  driver = appendfile', `  file = ${dir}/mbox`, '  user = nobody', '',
  ].join('\n'));
  const exim = (...args: string[]) => execFileSync(EXIM, ['-C', conf, ...args], { encoding: 'latin1' });
  return { dir, spool, conf, exim };
}

function message(now: number, ageSeconds: number, over: Partial<Message> = {}): Message {
  const { id } = newMessageId({ nowMicros: BigInt(now - ageSeconds) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6)) });
  const m = emptyMessage(id);
  Object.assign(m, {
    owner: { login: 'root', uid: 0, gid: 0 }, sender: 'tern@example.org', receivedTime: now - ageSeconds,
    receivedProtocol: 'esmtp', heloName: 'client.example', hostAddress: '192.0.2.9', hostPort: 40000,
    interfaceAddress: '127.0.0.1', interfacePort: 25, bodyLinecount: 2,
  }, over);
  if (m.recipients.length === 0) m.recipients.push({ address: 'one@example.com' }, { address: 'two@example.net', dsnNotify: 'FAILURE', orcpt: 'rfc822;two@example.net' });
  if (m.headers.length === 0) {
    m.headers.push(
      { flag: 'P', text: `Received: from client.example ([192.0.2.9])\n\tby tern.test with esmtp\n\tid ${id};\n\tSun, 22 Nov 2026 13:00:00 +0000\n` },
      { flag: ' ', text: 'Subject: from tern\n' },
      { flag: '*', text: 'X-Gone: deleted\n' },
      { flag: 'I', text: `Message-Id: <${id}@tern.test>\n` },
    );
  }
  return m;
}

for (const split of [false, true]) {
  test(`exim4 lists, shows and delivers what tern spooled (split_spool_directory=${split})`, async (t) => {
    if (!available) { t.skip('exim4 not installed'); return; }
    const { dir, spool, exim } = setup(t, split);
    const now = Math.floor(Date.now() / 1000);
    const bodies = new Map<string, Buffer>();
    const add = async (m: Message, body: Buffer) => { bodies.set(m.id, body); await writeMessage(spool, m, body, { split }); };
    await add(message(now, 30), Buffer.from('first line\nsecond line\n'));
    await add(message(now, 45 * 60 + 30, { frozenAt: now - 60, deliverFirsttime: false }), Buffer.alloc(1280 - 90, 0x61));
    await add(message(now, 5 * 3600 + 30, { senderSetUntrusted: true, sender: 'untrusted@example.org', nonRecipients: ['one@example.com', 'generated@example.com'] }), Buffer.from('x\n'.repeat(7000)));
    await add(message(now, 9 * 86400 + 30, { sender: '' }), Buffer.alloc(3 * 1024 * 1024, 0x62));
    await add(message(now, 100 * 60 + 30), Buffer.alloc(20 * 1024 * 1024 + 3, 0x63));
    for (const flag of ['-bp', '-bpa', '-bpu', '-bpi']) {
      const variant = ({ '-bp': 'all', '-bpa': 'plus-generated', '-bpu': 'undelivered', '-bpi': 'ids' } as const)[flag];
      assert.equal(await listQueue({ spoolDir: spool, variant, now: Math.floor(Date.now() / 1000) }), exim(flag), flag);
    }
    assert.equal(exim('-bpc'), '5\n');

    const [first] = bodies.keys();
    const hfile = split ? path.join(spool, 'input', first[5], `${first}-H`) : path.join(spool, 'input', `${first}-H`);
    assert.equal(exim('-Mvh', first), fs.readFileSync(hfile, 'latin1'));
    assert.equal(exim('-Mvb', first), `${first}-D\nfirst line\nsecond line\n`);

    exim('-M', first);
    const mbox = fs.readFileSync(path.join(dir, 'mbox'), 'latin1');
    assert.match(mbox, /^From tern@example\.org /);
    assert.match(mbox, /\nSubject: from tern\n/);
    assert.doesNotMatch(mbox, /X-Gone/);
    assert.match(mbox, /\n\nfirst line\nsecond line\n/);
    assert.equal(mbox.match(/^Envelope-to: |^Delivery-date: /gm)?.length ?? 0, 0);
    assert.ok(!fs.existsSync(hfile), 'delivered message left the spool');
    assert.equal(exim('-bpc'), '4\n');
  });
}

test('tern lists messages exim4 spooled as exim4 does', async (t) => {
  if (!available) { t.skip('exim4 not installed'); return; }
  const { spool, exim } = setup(t, false);
  const send = (input: string, ...args: string[]) => execFileSync(EXIM, ['-C', path.join(path.dirname(spool), 'conf'), '-odq', ...args], { input });
  send('Subject: one\n\nbody\n', '-f', 'a@example.org', 'x@example.com', 'y@example.com');
  send('Subject: two\n\n' + 'long body line\n'.repeat(2000), '-f', '<>', 'z@example.com');
  exim('-Mf', exim('-bpi').split('\n')[0]);
  for (const [flag, variant] of [['-bp', 'all'], ['-bpa', 'plus-generated'], ['-bpi', 'ids']] as const) {
    assert.equal(await listQueue({ spoolDir: spool, variant }), exim(flag), flag);
  }
});
