// -bt / -bv / -bvs against output recorded from Exim 4.98 (exim4 -C <conf>
// -bt ...) with the same configuration, and the ACL path end to end: the
// built-in default configuration verifying sender and recipient in -bh and
// in a real daemon (what `npm start` runs).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/main.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bt-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

fs.writeFileSync(path.join(dir, 'aliases'), [
  'postmaster: root', 'multi: root, daemon@localhost, other@remote.test', 'bad: :fail: no such person here',
  'later: :defer: try again later', 'hole: :blackhole:', 'file: /tmp/savefile', 'pipe: "|/bin/cat"', 'unk: :unknown:',
].join('\n') + '\n');
const CONF = path.join(dir, 'configure');
fs.writeFileSync(CONF, `spool_directory = ${dir}/spool
log_file_path = ${dir}/%slog
primary_hostname = mail.example.com
domainlist local_domains = @ : localhost : example.com
begin routers
lit:
  driver = ipliteral
  transport = remote_smtp
manual:
  driver = manualroute
  domains = manual.test
  route_list = * 192.0.2.7:192.0.2.8 byname
  transport = remote_smtp
manual2:
  driver = manualroute
  domains = m2.test
  route_data = 127.0.0.1
  transport = remote_smtp
aliases:
  driver = redirect
  domains = +local_domains
  data = \${lookup{$local_part}lsearch{${dir}/aliases}}
  allow_fail
  allow_defer
  file_transport = address_file
  pipe_transport = address_pipe
localuser:
  driver = accept
  check_local_user
  domains = +local_domains
  transport = local_delivery
  cannot_route_message = Unknown user
begin transports
remote_smtp:
  driver = smtp
local_delivery:
  driver = appendfile
  file = /tmp/mail/$local_part_data
address_file:
  driver = appendfile
address_pipe:
  driver = pipe
`);

function tern(args: string[], input = '', env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
}

// Each case: arguments, then stdout and exit code as exim4 4.98 gave them.
const GOLDEN: [string[], string, number][] = [
  [['-bt', 'root@localhost'], 'root@localhost\n  router = localuser, transport = local_delivery\n', 0],
  [['-bt', 'nosuch@localhost'], 'nosuch@localhost is undeliverable: Unknown user\n', 2],
  [['-bt', 'postmaster@example.com'], 'root@mail.example.com\n    <-- postmaster@example.com\n  router = localuser, transport = local_delivery\n', 0],
  [['-bt', 'multi@localhost'], 'other@remote.test is undeliverable: Unknown user\n    <-- multi@localhost\ndaemon@localhost\n    <-- multi@localhost\n'
    + '  router = localuser, transport = local_delivery\nroot@mail.example.com\n    <-- multi@localhost\n  router = localuser, transport = local_delivery\n', 2],
  [['-bt', 'bad@localhost'], 'bad@localhost is undeliverable: no such person here\n', 2],
  [['-bt', 'later@localhost'], 'later@localhost cannot be resolved at this time: try again later\n', 1],
  [['-bt', 'hole@localhost'], 'mail to hole@localhost is discarded\n', 0],
  [['-bt', 'file@localhost'], 'file@localhost -> /tmp/savefile\n  transport = address_file\n', 0],
  [['-bt', 'pipe@localhost'], 'pipe@localhost -> |/bin/cat\n  transport = address_pipe\n', 0],
  [['-bt', 'x@manual.test'], 'x@manual.test\n  router = manual, transport = remote_smtp\n  host 192.0.2.7 [192.0.2.7]\n  host 192.0.2.8 [192.0.2.8]\n', 0],
  [['-bt', 'x@m2.test'], 'x@m2.test cannot be resolved at this time: remote host address is the local host\n', 1],
  [['-bt', 'x@[127.0.0.1]'], 'x@[127.0.0.1] cannot be resolved at this time: remote host address is the local host\n', 1],
  [['-bt', 'unk@localhost'], 'unk@localhost is undeliverable: Unknown user\n', 2],
  [['-bt', 'root', 'ROOT@LocalHost'], 'root@mail.example.com\n  router = localuser, transport = local_delivery\nROOT@LocalHost\n  router = localuser, transport = local_delivery\n', 0],
  [['-bt', 'bad address', 'a@b@c', '<root@localhost>', 'Root <root@localhost>'], 'syntax error: missing or malformed local part (expected word or "<")\n'
    + 'syntax error: malformed address: @c may not follow a@b\nroot@localhost\n  router = localuser, transport = local_delivery\n'
    + 'root@localhost   [duplicate, would not be delivered]\n  router = localuser, transport = local_delivery\n', 2],
  [['-bv', 'x@remote.test', 'multi@localhost', 'nosuch@localhost', 'later@localhost', 'root@localhost', 'hole@localhost', 'pipe@localhost', 'x@manual.test'],
    'x@remote.test failed to verify: Unknown user\nmulti@localhost verified\nnosuch@localhost failed to verify: Unknown user\n'
    + 'later@localhost cannot be resolved at this time: try again later\nroot@localhost verified\nhole@localhost verified\npipe@localhost verified\nx@manual.test verified\n', 2],
  [['-bvs', 'nosuch@localhost', 'root'], 'nosuch@localhost failed to verify: Unknown user\nroot@mail.example.com verified\n', 2],
];

describe('-bt and -bv as Exim prints them', () => {
  for (const [args, stdout, code] of GOLDEN) {
    it(args.join(' '), () => {
      const r = tern(['-C', CONF, ...args]);
      assert.equal(r.stdout, stdout, r.stderr);
      assert.equal(r.status, code);
    });
  }

  it('logs the self case as Exim does in test mode', () => {
    const r = tern(['-C', CONF, '-bt', 'x@m2.test']);
    assert.equal(r.stderr, 'LOG: MAIN\n  remote host address is the local host: m2.test (while routing <x@m2.test>)\n');
  });

  it('reads addresses from stdin with a prompt when none are given', () => {
    const r = tern(['-C', CONF, '-bt'], 'root@localhost\nnosuch@localhost\n');
    assert.equal(r.stdout, '> root@localhost\n  router = localuser, transport = local_delivery\n> nosuch@localhost is undeliverable: Unknown user\n> \n');
    assert.equal(r.status, 2);
  });
});

describe('the built-in default configuration verifies local senders and recipients', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-default-'));
  after(() => fs.rmSync(data, { recursive: true, force: true }));
  // An unreachable resolver: host_lookup = * must fail fast, not wait for the network.
  const env = { TERN_DATA_DIR: data, TERN_RESOLVERS: '127.0.0.1:9' };

  it('-bh from a non-relay host: local user accepted, unknown user refused with "Unknown user" (Exim\'s replies)', () => {
    const input = 'HELO x\r\nMAIL FROM:<root@localhost>\r\nRCPT TO:<root@localhost>\r\nRCPT TO:<nosuch@localhost>\r\nRCPT TO:<x@example.invalid>\r\nQUIT\r\n';
    const r = tern(['-bh', '198.51.100.9'], input, env);
    const codes = r.stdout.split(/\r?\n/).filter((l) => /^\d{3} /.test(l)).map((l) => l.replace(/^(220|250|221) .*/, '$1'));
    assert.deepEqual(codes, ['220', '250', '250', '250', '550 Unknown user', '550 relay not permitted', '221'], r.stdout + r.stderr);
    assert.match(r.stderr, /F=<root@localhost> rejected RCPT <nosuch@localhost>: Unknown user/);
  });

  it('-bh: an unknown sender fails sender verification', () => {
    const input = 'HELO x\r\nMAIL FROM:<nosuch@localhost>\r\nRCPT TO:<root@localhost>\r\nQUIT\r\n';
    const r = tern(['-bh', '198.51.100.9'], input, env);
    assert.match(r.stdout, /550-Verification failed for <nosuch@localhost>\r?\n550-Unknown user\r?\n550 Sender verify failed/, r.stdout);
  });

  it('a daemon on the default configuration queues a message from a loopback client to a local user', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN, '-bdf', '-oX', `<; 127.0.0.1.${port}`], {
      env: { ...process.env, ...env, TERN_WORKERS: '1', TERN_STOP_GRACE_MS: '500' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true,
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    try {
      let client: SmtpClient | undefined;
      for (let i = 0; i < 200 && !client; i++) {
        try {
          client = await SmtpClient.connect(port);
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.ok(client, `daemon did not listen: ${err}`);
      assert.equal((await client.reply())?.code, 220);
      assert.equal((await client.command('EHLO client.test')).code, 250);
      assert.equal((await client.command('MAIL FROM:<root@localhost>')).code, 250);
      assert.equal((await client.command('RCPT TO:<root@localhost>')).code, 250);
      assert.equal((await client.command('DATA')).code, 354);
      const done = await client.command('Subject: hi\r\n\r\nhello\r\n.');
      assert.equal(done.code, 250, JSON.stringify(done));
      await client.command('QUIT');
      client.close();
      const input = path.join(data, 'spool', 'input');
      assert.ok(fs.readdirSync(input).some((f) => f.endsWith('-H')), 'a -H file is on the spool');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
});
