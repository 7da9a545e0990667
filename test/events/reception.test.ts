// Reception events (main event_action): auth:fail (data: the SMTP reply; a
// non-empty result replaces the log line — both as exim4 -bh 4.98 shows),
// smtp:fail:syntax / smtp:fail:protocol when a connection is dropped for
// too many errors (Exim 4.99), tls:fail:connect on a failed handshake, and
// a failing event_action expansion going to the panic log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { testCerts } from '../helpers/certs.ts';
import { startDaemon } from '../helpers/tern-daemon.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const AUTH = [
  'begin authenticators', 'p:', '  driver = plaintext', '  public_name = PLAIN',
  '  server_condition = ${if eq{$auth3}{good}}', '  server_advertise_condition = true',
];

function hostCheck(config: string[], commands: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-events-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, [`spool_directory = ${dir}/spool`, ...config, ''].join('\n'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', '10.0.0.1'], {
      input: commands.map((c) => c + '\r\n').join(''), encoding: 'utf8', timeout: 20_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr.split('\n').filter((l) => l.startsWith('LOG: '));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const LOGGING = ['event_action = ${acl {ev}}', 'acl_smtp_mail = accept', 'smtp_max_synprot_errors = 2'];
const EV_ACL = ['begin acl', 'ev:', '  accept logwrite = EVENT <$event_name> <$event_data> <$event_defer_errno>'];

test('auth:fail: $event_data is the reply, then Exim\'s log line', () => {
  const log = hostCheck([...LOGGING, ...EV_ACL, ...AUTH], ['EHLO x', 'AUTH PLAIN AHVzZXIAYmFk', 'QUIT']);
  assert.deepEqual(log, [
    'LOG: EVENT <auth:fail> <535 Incorrect authentication data> <0>',
    'LOG: p authenticator failed for (x) [10.0.0.1]: 535 Incorrect authentication data',
  ]);
  // a non-empty result is logged instead
  const instead = hostCheck(['event_action = ${if eq{$event_name}{auth:fail}{AUTH-FAILED $event_data}}', ...AUTH],
    ['EHLO x', 'AUTH PLAIN AHVzZXIAYmFk', 'QUIT']);
  assert.deepEqual(instead, ['LOG: AUTH-FAILED 535 Incorrect authentication data']);
});

test('smtp:fail:syntax and smtp:fail:protocol fire when the connection is dropped for them', () => {
  const syntax = hostCheck([...LOGGING, ...EV_ACL], ['EHLO x', 'MAIL FROM:<bad1', 'MAIL FROM:<bad2', 'MAIL FROM:<bad3', 'QUIT']);
  assert.deepEqual(syntax.filter((l) => l.includes('EVENT')), ['LOG: EVENT <smtp:fail:syntax> <"@" or "." expected after "bad3"> <0>']);
  const protocol = hostCheck([...LOGGING, ...EV_ACL], ['EHLO x', 'RCPT TO:<a@b>', 'RCPT TO:<a@b>', 'RCPT TO:<a@b>', 'QUIT']);
  assert.deepEqual(protocol.filter((l) => l.includes('EVENT')), ['LOG: EVENT <smtp:fail:protocol> <RCPT must be preceded by MAIL> <0>']);
  // fewer errors than the limit: no event
  const fine = hostCheck([...LOGGING, ...EV_ACL], ['EHLO x', 'MAIL FROM:<bad1', 'QUIT']);
  assert.deepEqual(fine.filter((l) => l.includes('EVENT')), []);
});

test('an event_action that fails to expand is logged to the panic log', () => {
  const log = hostCheck(['event_action = ${bogus}', ...AUTH], ['EHLO x', 'AUTH PLAIN AHVzZXIAYmFk', 'QUIT']);
  assert.ok(log.some((l) => /^LOG: failed to expand event_action auth:fail in main: /.test(l)), log.join('\n'));
  assert.ok(log.includes('LOG: p authenticator failed for (x) [10.0.0.1]: 535 Incorrect authentication data'));
});

test('tls:fail:connect: plaintext SMTP on a TLS-on-connect port', async () => {
  const certs = testCerts();
  const d = await startDaemon({
    config: [
      `tls_certificate = ${certs.serverCert}`, `tls_privatekey = ${certs.serverKey}`,
      'event_action = ${acl {ev}}', ...EV_ACL,
    ].join('\n'),
    tlsOnConnect: true,
  });
  try {
    const sock = net.connect(d.tlsPort!, '127.0.0.1');
    await new Promise<void>((resolve) => {
      sock.on('connect', () => sock.write('EHLO plaintext.example\r\n'));
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    const line = await d.waitForLog(/EVENT <tls:fail:connect>/);
    assert.match(line, /EVENT <tls:fail:connect> <error:[0-9A-F]+:SSL routines::wrong version number> <0>/);
  } finally {
    await d.stop();
  }
});

/** A TLS-on-connect session with the test client certificate: the reply to MAIL. */
async function mailOverTls(port: number, c: ReturnType<typeof testCerts>): Promise<string> {
  const sock = tls.connect({
    port, host: '127.0.0.1', servername: 'localhost', ca: fs.readFileSync(c.caCert),
    cert: fs.readFileSync(c.clientCert), key: fs.readFileSync(c.clientKey),
  });
  sock.setEncoding('latin1');
  let buf = '';
  const reply = async (): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const m = /(^|\n)(\d{3}) [^\n]*\r\n$/.exec(buf);
      if (m) {
        const r = buf;
        buf = '';
        return r;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no reply: ${buf}`);
  };
  sock.on('data', (d: string) => (buf += d));
  sock.on('error', () => {});
  await reply();
  sock.write('EHLO client.example\r\n');
  await reply();
  sock.write('MAIL FROM:<a@example.test>\r\n');
  const r = (await reply()).trim();
  sock.destroy();
  return r;
}

test('tls:cert: once per chain element, top first, with $tls_in_peercert; a result refuses verification', async () => {
  const c = testCerts();
  const tlsConfig = [`tls_certificate = ${c.serverCert}`, `tls_privatekey = ${c.serverKey}`,
    `tls_verify_certificates = ${c.caCert}`, 'tls_try_verify_hosts = *',
    'acl_smtp_mail = mail', 'begin acl', 'mail:', '  deny message = verified=$tls_in_certificate_verified'];
  const logged = await startDaemon({
    config: ['event_action = ${acl {ev}}', ...tlsConfig, 'ev:', '  accept logwrite = EVENT <$event_name> <$event_data> <${certextract{subject}{$tls_in_peercert}}>'].join('\n'),
    tlsOnConnect: true,
  });
  try {
    assert.equal(await mailOverTls(logged.tlsPort!, c), '550 verified=1');
    const events = logged.log().split('\n').filter((l) => l.includes('EVENT <tls:cert>')).map((l) => l.replace(/^\S+ \S+ /, ''));
    assert.deepEqual(events, [
      'EVENT <tls:cert> <1> <CN=Tern Test CA,O=Tern Test,C=GB>',
      'EVENT <tls:cert> <0> <CN=client.example.com,O=Tern Test,C=GB>',
    ]);
  } finally {
    await logged.stop();
  }
  // refusing the client's own certificate (depth 0) leaves it unverified
  const refusing = await startDaemon({
    config: ['event_action = ${if and{{eq{$event_name}{tls:cert}}{eq{$event_data}{0}}}{refuse}}', ...tlsConfig].join('\n'),
    tlsOnConnect: true,
  });
  try {
    assert.equal(await mailOverTls(refusing.tlsPort!, c), '550 verified=0');
  } finally {
    await refusing.stop();
  }
});
