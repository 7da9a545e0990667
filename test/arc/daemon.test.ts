// verify = arc in a real tern daemon, over SMTP on loopback, with the keys
// in a real BIND: messages sealed by one or two forwarders (mailauth's
// sealer), one changed after its last seal, and one without ARC. The DATA
// ACL logs $arc_* and ${authresults}; the "<=" line is tagged ARC for a
// chain that passed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { rsaKey, signMessage, type TestKey } from '../dkim/keys.ts';

let dns: DnsServer;
let daemon: TernDaemon;
let originKey: TestKey;
let firstKey: TestKey;
let secondKey: TestKey;

before(async () => {
  originKey = rsaKey('o1');
  firstKey = rsaKey('arc1');
  secondKey = rsaKey('arc2');
  dns = await startDnsServer([
    { name: 'origin.test', records: [originKey.record] },
    { name: 'list.test', records: [firstKey.record] },
    { name: 'relay.test', records: [secondKey.record] },
  ]);
  process.env.TERN_RESOLVERS = `${dns.host}:${dns.port}`;
  daemon = await startDaemon({
    config: `
primary_hostname = mx.tern.test
acl_smtp_rcpt = accept
acl_smtp_data = data
begin acl
data:
  deny   !verify = arc/pass:none
         message = ARC: $arc_state ($arc_state_reason)
  warn   verify = arc/pass
         logwrite = arc pass domains=$arc_domains oldest=$arc_oldest_pass
  accept logwrite = arc state=$arc_state domains=<$arc_domains> ar=\${authresults{mx.tern.test}}
`,
  });
});

after(async () => {
  delete process.env.TERN_RESOLVERS;
  await daemon?.stop();
  await dns?.stop();
});

const MESSAGE = 'From: a@origin.test\nTo: list@list.test\nSubject: arc\nMessage-ID: <arc1@origin.test>\n\nthe body\n';

async function seal(message: string, domain: string, key: TestKey, cv: 'none' | 'pass', i: number): Promise<string> {
  const crlf = message.replace(/\r?\n/g, '\r\n');
  const headers = await sealMessage(crlf, {
    signingDomain: domain, selector: key.selector, privateKey: key.privateKey, cv, i,
    authResults: `${domain}; dkim=pass header.d=origin.test`,
  });
  assert.ok(headers.length > 0, 'mailauth sealed the message');
  return headers.toString('latin1') + crlf;
}

async function send(c: SmtpClient, data: string): Promise<string> {
  assert.equal((await c.command('MAIL FROM:<a@origin.test>')).code, 250);
  assert.equal((await c.command('RCPT TO:<b@mx.tern.test>')).code, 250);
  assert.equal((await c.command('DATA')).code, 354);
  const body = data.replace(/\r?\n/g, '\r\n').split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
  return (await c.command(`${body.replace(/\r\n$/, '')}\r\n.`)).raw;
}

test('ARC chains: one set passes, two sets with a change between them pass with oldest-pass 2, a change after the last seal fails, no ARC is none', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'origin.test', key: originKey }]);
  const once = await seal(signed, 'list.test', firstKey, 'none', 1);
  // the second forwarder adds a footer before sealing: the first set's AMS no longer verifies
  const changed = once.replace('the body\r\n', 'the body\r\n-- \r\nfooter\r\n');
  const twice = await seal(changed, 'relay.test', secondKey, 'pass', 2);
  const c = await SmtpClient.connect(daemon.port);
  try {
    assert.equal((await c.reply())?.code, 220);
    assert.equal((await c.command('EHLO client.test')).code, 250);

    const first = await send(c, once);
    assert.match(first, /^250 OK id=/, daemon.log() + daemon.log('panic') + daemon.stderr());
    const id = /id=(\S+)/.exec(first)![1];
    assert.match(await daemon.arrivalLine(id), / ARC id=arc1@origin\.test$/);
    await daemon.waitForLog(/arc pass domains=list\.test oldest=1$/m);
    await daemon.waitForLog(/arc state=pass domains=<list\.test> ar=Authentication-Results: mx\.tern\.test;.*\\n\tarc=pass \(i=1\) header\.s=arc1 arc\.oldest-pass=1 smtp\.remote-ip=127\.0\.0\.1$/m);

    const second = await send(c, twice);
    assert.match(second, /^250 OK id=/);
    await daemon.waitForLog(/arc pass domains=list\.test:relay\.test oldest=2$/m);

    const tampered = await send(c, twice.replace('footer', 'another footer'));
    assert.match(tampered, /^550 ARC: fail \(.+\)$/);
    await daemon.waitForLog(/rejected after DATA: ARC: fail/);

    const plain = await send(c, MESSAGE);
    assert.match(plain, /^250 OK id=/);
    const plainId = /id=(\S+)/.exec(plain)![1];
    await daemon.waitForLog(/arc state=none domains=<> ar=Authentication-Results: mx\.tern\.test;\\n\tarc=none$/m);
    assert.doesNotMatch(await daemon.arrivalLine(plainId), / ARC /);
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});
