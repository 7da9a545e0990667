// The external and tls authenticators with real TLS client certificates:
// tern daemons with STARTTLS and TLS on connect, Python's smtplib and ssl
// as the client (with the test CA's client certificate, a self-signed one,
// or none). Replies and log lines are as Exim 4.98 gives them for the same
// configurations (TERN_INTEG_PROGRAM=exim4 runs this file against it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testCerts } from '../helpers/certs.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { python, pythonJson } from '../integration/receiving-setup.ts';

function tlsConfig(authenticators: string): string {
  const c = testCerts();
  return `
primary_hostname = mx.example.com
queue_only = true
tls_advertise_hosts = *
tls_certificate = ${c.serverCert}
tls_privatekey = ${c.serverKey}
tls_verify_certificates = ${c.caCert}
tls_try_verify_hosts = *
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_auth = acl_check_auth

begin acl

acl_check_auth:
  accept  logwrite = AUTH ACL ran (TLS peer $tls_in_peerdn)

acl_check_rcpt:
  accept  authenticated = *
          logwrite = authenticated by $sender_host_authenticated as $authenticated_id
  deny    message = authentication required

begin authenticators
${authenticators}
`;
}

/**
 * A client session: connect (STARTTLS, or TLS on connect when TLS_PORT is
 * given), EHLO, then each of COMMANDS (raw lines; a line starting with
 * "send " is sent as it is in answer to a 334), then a message if SEND is
 * set. Prints the AUTH keyword of the EHLO after TLS, every reply, and the
 * message's outcome, as JSON.
 */
const CLIENT = `
import json, os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ['CA'])
if os.environ.get('CERT'):
    ctx.load_cert_chain(os.environ['CERT'], os.environ['KEY'])
if os.environ.get('TLS_PORT'):
    s = smtplib.SMTP_SSL('127.0.0.1', int(os.environ['TLS_PORT']), context=ctx, timeout=10)
    s.ehlo('client.example.net')
else:
    s = smtplib.SMTP('127.0.0.1', int(os.environ['PORT']), timeout=10)
    s.ehlo('client.example.net')
    s.starttls(context=ctx)
    s.ehlo('client.example.net')
out = {'auth': (s.esmtp_features.get('auth') or '').strip() or None, 'replies': []}
for line in filter(None, os.environ.get('COMMANDS', '').split('\\n')):
    if line.startswith('send '):
        s.send(line[5:] + '\\r\\n')
        code, msg = s.getreply()
    else:
        code, msg = s.docmd(line)
    out['replies'].append('%d %s' % (code, msg.decode()))
if os.environ.get('SEND'):
    try:
        s.sendmail('sender@example.org', ['rcpt@example.com'], 'Subject: t\\r\\n\\r\\nbody\\r\\n')
        out['sent'] = True
    except smtplib.SMTPException as e:
        out['sent'] = str(e)
s.quit()
print(json.dumps(out))
`;

interface ClientResult {
  auth: string | null;
  replies: string[];
  sent?: true | string;
}

async function client(d: TernDaemon, opts: { cert?: 'client' | 'rogue' | 'revoked'; commands?: string[]; send?: boolean; tlsOnConnect?: boolean }): Promise<ClientResult> {
  const c = testCerts();
  const env: Record<string, string | number> = { CA: c.caCert, PORT: d.port, COMMANDS: (opts.commands ?? []).join('\n') };
  if (opts.cert === 'client') Object.assign(env, { CERT: c.clientCert, KEY: c.clientKey });
  if (opts.cert === 'rogue') Object.assign(env, { CERT: c.rogueCert, KEY: c.rogueKey });
  // CA-issued (no CRL is configured here, so it verifies) for another name: CN=revoked.example.com
  if (opts.cert === 'revoked') Object.assign(env, { CERT: c.revokedCert, KEY: c.revokedKey });
  if (opts.send) env.SEND = '1';
  if (opts.tlsOnConnect) env.TLS_PORT = d.tlsPort!;
  return pythonJson<ClientResult>(await python(CLIENT, env));
}

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

describe('external authenticator with TLS client certificates', () => {
  let d: TernDaemon;
  before(async () => {
    d = await startDaemon({
      config: tlsConfig(`
ext:
  driver = external
  public_name = EXTERNAL
  server_advertise_condition = \${if eq{$tls_in_certificate_verified}{1}}
  server_param2 = \${certextract{subject,CN}{$tls_in_peercert}}
  server_param3 = [$auth1|$auth2]
  server_condition = \${if or{{eq{$auth1}{}}{eq{$auth1}{$auth2}}}}
  server_set_id = \${if eq{$auth1}{}{$auth2}{$auth1}}
`),
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('verified certificate: EXTERNAL offered; the identity it names authenticates; A= on the message', async () => {
    const r = await client(d, { cert: 'client', commands: [`AUTH EXTERNAL ${b64('client.example.com')}`], send: true });
    assert.equal(r.auth, 'EXTERNAL');
    assert.deepEqual(r.replies, ['235 Authentication succeeded']);
    assert.equal(r.sent, true);
    await d.waitForLog(/authenticated by ext as client\.example\.com$/);
    const arrival = await d.waitForLog(/ <= sender@example\.org /);
    assert.match(arrival, / P=esmtpsa X=\S+ CV=yes A=ext:client\.example\.com /);
  });

  test('another identity: 535 with the set_id logged', async () => {
    const r = await client(d, { cert: 'client', commands: [`AUTH EXTERNAL ${b64('someone.else')}`] });
    assert.deepEqual(r.replies, ['535 Incorrect authentication data']);
    const line = await d.waitForLog(/ext authenticator failed/, 'reject');
    assert.match(line, / \[127\.0\.0\.1\]: 535 Incorrect authentication data \(set_id=someone\.else\)$/);
  });

  test('"=" (empty identity) and an identity given after the empty 334 prompt', async () => {
    const r = await client(d, { cert: 'client', commands: ['AUTH EXTERNAL ='], send: true });
    assert.deepEqual(r.replies, ['235 Authentication succeeded']);
    await d.waitForLog(/authenticated by ext as client\.example\.com$/);
    const p = await client(d, { cert: 'client', commands: ['AUTH EXTERNAL', `send ${b64('client.example.com')}`] });
    assert.deepEqual(p.replies, ['334 ', '235 Authentication succeeded']);
    const c = await client(d, { cert: 'client', commands: ['AUTH EXTERNAL', 'send *'] });
    assert.deepEqual(c.replies, ['334 ', '501 Authentication cancelled']);
  });

  test('no certificate, or one the CA did not issue: EXTERNAL is not offered', async () => {
    for (const cert of [undefined, 'rogue'] as const) {
      const r = await client(d, { cert, commands: [`AUTH EXTERNAL ${b64('client.example.com')}`] });
      assert.equal(r.auth, null);
      assert.deepEqual(r.replies, ['503 AUTH command used when not advertised']);
    }
  });
});

describe('tls authenticator', () => {
  let d: TernDaemon;
  before(async () => {
    d = await startDaemon({
      tlsOnConnect: true,
      config: tlsConfig(`
cert:
  driver = tls
  server_param1 = \${certextract{subject,CN}{$tls_in_peercert}}
  server_param2 = $tls_in_peerdn
  server_condition = \${if eq{$auth1}{client.example.com}}
  server_set_id = $auth1

plain:
  driver = plaintext
  public_name = PLAIN
  server_condition = \${if eq{$auth3}{pw}}
  server_set_id = $auth2
`),
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('STARTTLS with a verified certificate: authenticated at once, no AUTH offered, A= from the certificate', async () => {
    const r = await client(d, { cert: 'client', send: true });
    assert.equal(r.auth, null);
    assert.equal(r.sent, true);
    await d.waitForLog(/authenticated by cert as client\.example\.com$/);
    // The AUTH ACL is asked before the tls authenticator runs.
    await d.waitForLog(/AUTH ACL ran \(TLS peer .*CN=client\.example\.com\)$/);
    const arrival = await d.waitForLog(/ <= sender@example\.org .* A=cert:/);
    assert.match(arrival, / P=esmtpsa X=\S+ CV=yes A=cert:client\.example\.com /);
  });

  test('TLS on connect with a verified certificate: the same', async () => {
    const r = await client(d, { cert: 'client', tlsOnConnect: true, commands: ['AUTH PLAIN ' + b64('\0u\0pw')] });
    assert.equal(r.auth, null);
    assert.deepEqual(r.replies, ['503 AUTH command used when not advertised']);
  });

  test('a verified certificate that server_condition refuses: not authenticated, AUTH still offered, nothing said', async () => {
    const r = await client(d, { cert: 'revoked', commands: ['AUTH PLAIN ' + b64('\0v\0pw')], send: true });
    assert.equal(r.auth, 'PLAIN');
    assert.deepEqual(r.replies, ['235 Authentication succeeded']);
    await d.waitForLog(/authenticated by plain as v$/);
  });

  test('no verified certificate: the tls authenticator does not run; the SMTP mechanisms are offered (never the tls one)', async () => {
    for (const cert of [undefined, 'rogue'] as const) {
      const r = await client(d, { cert, commands: ['AUTH CERT', 'AUTH PLAIN ' + b64('\0u\0pw')], send: true });
      assert.equal(r.auth, 'PLAIN');
      assert.deepEqual(r.replies, ['504 CERT authentication mechanism not supported', '235 Authentication succeeded']);
      assert.equal(r.sent, true);
    }
    await d.waitForLog(/authenticated by plain as u$/);
  });
});
