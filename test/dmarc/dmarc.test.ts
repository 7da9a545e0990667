// dmarc_status in the DATA ACL with SPF, DKIM and DMARC records served by
// a real BIND on loopback: SPF alignment and DKIM alignment each make it
// "accept", neither makes it the domain's policy, no record is "norecord",
// and DMARC is off without dmarc_tld_file or with dmarc_disable_verify.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { hostCheck, messageDialogue, writeConfig } from '../spf/host-check.ts';
import { rsaKey, signMessage, type TestKey } from '../dkim/keys.ts';
import { fromHeaderDomain } from '../../src/dmarc/condition.ts';

let dns: DnsServer;
let key: TestKey;
let tldFile: string;

before(async () => {
  key = rsaKey('k1');
  tldFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tern-dmarc-')), 'public_suffix_list.dat');
  fs.writeFileSync(tldFile, 'test\n');
  dns = await startDnsServer([
    {
      name: 'strict.test',
      records: ['@ TXT "v=spf1 ip4:192.0.2.1 -all"', '_dmarc TXT "v=DMARC1; p=reject"', key.record, 'mail A 192.0.2.1'],
    },
    {
      name: 'quiet.test',
      records: ['@ TXT "v=spf1 ip4:192.0.2.1 -all"', '_dmarc TXT "v=DMARC1; p=quarantine; sp=none"', 'sub A 192.0.2.1'],
    },
    { name: 'relay.test', records: ['@ TXT "v=spf1 ip4:192.0.2.2 -all"'] },
    { name: 'plain.test', records: ['@ TXT "v=spf1 ip4:192.0.2.1 -all"'] },
  ]);
});

after(async () => {
  await dns?.stop();
});

function config(opts: { tld?: boolean; rcpt?: string } = {}): string {
  return writeConfig(`
primary_hostname = mx.tern.test
${opts.tld === false ? '' : `dmarc_tld_file = ${tldFile}`}
acl_smtp_rcpt = rcpt
acl_smtp_data = data
begin acl
rcpt:
${opts.rcpt ?? ''}
  warn   spf = pass
  accept
data:
  warn   dmarc_status = accept : none : off : norecord
         logwrite = dmarc ok: $dmarc_status
  deny   dmarc_status = reject
         message = Rejected by DMARC policy of $dmarc_used_domain
  accept logwrite = dmarc: status=$dmarc_status text=$dmarc_status_text used=$dmarc_used_domain policy=$dmarc_domain_policy spf_align=$dmarc_alignment_spf dkim_align=$dmarc_alignment_dkim
         logwrite = \${authresults{mx.tern.test}}
`);
}

const message = (from: string) => `From: ${from}\nTo: bob@mx.tern.test\nSubject: dmarc\n\nbody\n`;
const send = (conf: string, ip: string, sender: string, data: string) =>
  hostCheck(conf, ip, messageDialogue(sender, 'bob@mx.tern.test', data), dns);

test('SPF passes for the From: domain: accept, aligned by SPF', async () => {
  const r = await send(config(), '192.0.2.1', 'a@strict.test', message('a@strict.test'));
  assert.ok(r.log.includes('dmarc: status=accept text=Accept used=strict.test policy=reject spf_align=yes dkim_align=no'), r.log.join('\n'));
  assert.ok(r.log.includes("DMARC results: spf_domain=strict.test dmarc_domain=strict.test spf_align=yes dkim_align=no enforcement='Accept'"), r.log.join('\n'));
  assert.match(r.stdout, /^250 OK id=/m);
  assert.ok(r.log.includes('Authentication-Results: mx.tern.test;\\n\tspf=pass smtp.mailfrom=strict.test;\\n\tdmarc=pass header.from=strict.test'), r.log.join('\n'));
});

test('neither SPF nor DKIM aligned: the policy p=reject refuses the message', async () => {
  const r = await send(config(), '192.0.2.2', 'a@relay.test', message('Someone <a@strict.test>'));
  assert.match(r.stdout, /^550 Rejected by DMARC policy of strict\.test$/m);
});

test('a DKIM signature of the From: domain aligns although SPF is for another domain', async () => {
  const signed = await signMessage(message('a@strict.test'), [{ domain: 'strict.test', key }]);
  const r = await send(config(), '192.0.2.2', 'a@relay.test', signed);
  assert.ok(r.log.includes('dmarc: status=accept text=Accept used=strict.test policy=reject spf_align=no dkim_align=yes'), r.log.join('\n'));
});

test('relaxed SPF alignment of a subdomain, and sp= for a subdomain\'s own From:', async () => {
  const aligned = await send(config(), '192.0.2.1', 'a@quiet.test', message('a@sub.quiet.test'));
  assert.ok(aligned.log.some((l) => l.startsWith('dmarc: status=accept ') && l.includes(' spf_align=yes')), aligned.log.join('\n'));
  const failing = await send(config(), '192.0.2.2', 'a@relay.test', message('a@sub.quiet.test'));
  assert.ok(failing.log.includes('dmarc: status=none text=None, Accept used=quiet.test policy=quarantine spf_align=no dkim_align=no'), failing.log.join('\n'));
  const quarantined = await send(config(), '192.0.2.2', 'a@relay.test', message('a@quiet.test'));
  assert.ok(quarantined.log.some((l) => l.startsWith('dmarc: status=quarantine text=Quarantine ')), quarantined.log.join('\n'));
});

test('a From: domain without a DMARC record is "norecord"', async () => {
  const r = await send(config(), '192.0.2.1', 'a@plain.test', message('a@plain.test'));
  assert.ok(r.log.includes('dmarc ok: norecord'), r.log.join('\n'));
  assert.ok(!r.log.some((l) => l.startsWith('DMARC results:')), r.log.join('\n'));
});

test('without dmarc_tld_file DMARC is not done; dmarc_disable_verify makes it "off"', async () => {
  const untouched = await send(config({ tld: false }), '192.0.2.2', 'a@relay.test', message('a@strict.test'));
  assert.ok(untouched.log.includes('dmarc ok: none'), untouched.log.join('\n'));
  assert.ok(untouched.log.includes('Authentication-Results: mx.tern.test;\\n\tspf=pass smtp.mailfrom=relay.test;\\n\tdmarc=skipped'), untouched.log.join('\n'));
  assert.match(untouched.stdout, /^250 OK id=/m);
  const off = await send(config({ rcpt: '  warn control = dmarc_disable_verify' }), '192.0.2.2', 'a@relay.test', message('a@strict.test'));
  assert.ok(off.log.includes('dmarc ok: off'), off.log.join('\n'));
});

test('the From: header domain is the first address\'s', () => {
  assert.equal(fromHeaderDomain(['Subject: x\n', 'From: "A, B" <a@Example.COM>, c@other.test\n']), 'example.com');
  assert.equal(fromHeaderDomain(['From: undisclosed-recipients:;\n']), '');
  assert.equal(fromHeaderDomain(['To: a@b\n']), undefined);
});
