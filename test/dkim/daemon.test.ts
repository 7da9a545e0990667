// SPF, DKIM and DMARC in a real tern daemon, over SMTP on loopback, with
// the records in a real BIND: a signed message from an SPF-permitted client
// is spooled (its DKIM ACL run and DMARC status logged); one whose body was
// altered on the way is refused by the DKIM ACL. Two messages on one
// connection: the second does not see the first's results.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { rsaKey, signMessage, type TestKey } from './keys.ts';

let dns: DnsServer;
let daemon: TernDaemon;
let key: TestKey;

before(async () => {
  key = rsaKey('d1');
  dns = await startDnsServer([{
    name: 'sender.test',
    records: [key.record, '@ TXT "v=spf1 ip4:127.0.0.1 -all"', '_dmarc TXT "v=DMARC1; p=reject"'],
  }]);
  process.env.TERN_RESOLVERS = `${dns.host}:${dns.port}`;
  daemon = await startDaemon({
    config: `
primary_hostname = mx.tern.test
dmarc_tld_file = /dev/null
log_selector = +dkim_verbose
acl_smtp_rcpt = rcpt
acl_smtp_dkim = dkim
acl_smtp_data = data
begin acl
rcpt:
  warn   spf = pass
         logwrite = spf $spf_result
  accept
dkim:
  deny   dkim_status = fail
         message = DKIM: $dkim_verify_reason for $dkim_domain
  accept logwrite = dkim ok $dkim_cur_signer $dkim_verify_status
data:
  warn   dmarc_status = accept
         set acl_m_dmarc = yes
  accept logwrite = data: dkim=$dkim_verify_status spf=$spf_result dmarc=$acl_m_dmarc $dmarc_status align=$dmarc_alignment_spf/$dmarc_alignment_dkim
`,
  });
});

after(async () => {
  delete process.env.TERN_RESOLVERS;
  await daemon?.stop();
  await dns?.stop();
});

const MESSAGE = 'From: a@sender.test\nTo: b@mx.tern.test\nSubject: daemon\nMessage-ID: <d1@sender.test>\n\nsigned body\n';

async function send(c: SmtpClient, data: string, sender = 'a@sender.test'): Promise<string> {
  assert.equal((await c.command(`MAIL FROM:<${sender}>`)).code, 250);
  assert.equal((await c.command('RCPT TO:<b@mx.tern.test>')).code, 250);
  assert.equal((await c.command('DATA')).code, 354);
  const body = data.replace(/\r?\n/g, '\r\n').split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
  return (await c.command(`${body.replace(/\r\n$/, '')}\r\n.`)).raw;
}

test('a signed, SPF-permitted message is accepted; an altered one is refused by the DKIM ACL; results do not leak between messages', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'sender.test', key }]);
  const c = await SmtpClient.connect(daemon.port);
  try {
    assert.equal((await c.reply())?.code, 220);
    assert.equal((await c.command('EHLO client.test')).code, 250);
    const first = await send(c, signed);
    assert.match(first, /^250 OK id=/, daemon.log() + daemon.log('panic') + daemon.stderr());
    const id = /id=(\S+)/.exec(first)![1];
    const arrival = await daemon.arrivalLine(id);
    assert.match(arrival, /<= a@sender\.test .* DKIM=sender\.test id=d1@sender\.test$/);
    await daemon.waitForLog(/data: dkim=pass spf=pass dmarc=yes accept align=yes\/yes/);
    assert.match(daemon.log(), /dkim ok sender\.test pass/);
    assert.match(daemon.log(), /DKIM: d=sender\.test s=d1 c=relaxed\/relaxed a=rsa-sha256 b=2048 t=\d+ \[verification succeeded\]/);

    const second = await send(c, signed.replace('signed body', 'altered body'), '');
    assert.match(second, /^550 DKIM: bodyhash_mismatch for sender\.test$/);
    const rejected = await daemon.waitForLog(/rejected DKIM : DKIM: bodyhash_mismatch for sender\.test/);
    assert.doesNotMatch(rejected, /F=</);

    // a third message, unsigned, from a null sender: its own results, nothing of the earlier ones
    const third = await send(c, 'From: x@other.test\nSubject: plain\n\nplain\n', '');
    assert.match(third, /^250 OK id=/);
    await daemon.waitForLog(/data: dkim= spf=none dmarc= norecord align=no\/no$/m);
    assert.equal((await c.command('QUIT')).code, 221);
  } finally {
    c.close();
  }
});
