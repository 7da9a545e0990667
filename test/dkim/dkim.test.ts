// DKIM verification at the end of DATA and acl_smtp_dkim, with keys
// published by a real BIND on loopback: an RSA and an ed25519 signature
// pass, an altered body fails, a missing key is invalid, an unsigned
// message has no signers, and dkim_verify_signers adds signers to look for.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { hostCheck, messageDialogue, writeConfig } from '../spf/host-check.ts';
import { ed25519Key, rsaKey, signMessage, type TestKey } from './keys.ts';
import { parseSignatureTags } from '../../src/dkim/signature-tags.ts';
import { parseMinKeySizes } from '../../src/dkim/verify.ts';

let dns: DnsServer;
let rsa: TestKey;
let ed: TestKey;
let small: TestKey;
let unpublished: TestKey;

before(async () => {
  rsa = rsaKey('rsa');
  ed = ed25519Key('ed');
  small = rsaKey('small', 512);
  unpublished = rsaKey('gone');
  dns = await startDnsServer([
    { name: 'signer.test', records: [rsa.record, ed.record, small.record, '@ A 192.0.2.1'] },
    { name: 'other.test', records: [rsa.record.replace(/^rsa\._domainkey/, 'o._domainkey')] },
  ]);
});

after(async () => {
  await dns?.stop();
});

const MESSAGE = 'From: Alice <alice@signer.test>\nTo: bob@mx.tern.test\nSubject: signed\nDate: Sun, 22 Nov 2026 12:00:00 +0000\nMessage-ID: <m1@signer.test>\n\nHello Bob.\nThis body is signed.\n';

function config(extra = '', dkimAcl = ''): string {
  return writeConfig(`
primary_hostname = mx.tern.test
log_selector = +dkim_verbose
acl_smtp_rcpt = accept
acl_smtp_dkim = dkim
acl_smtp_data = data
${extra}
begin acl
dkim:
${dkimAcl}
  accept logwrite = dkim: signer=$dkim_cur_signer status=$dkim_verify_status reason=$dkim_verify_reason d=$dkim_domain s=$dkim_selector i=$dkim_identity a=$dkim_algo c=$dkim_canon_headers/$dkim_canon_body bits=$dkim_key_length h=$dkim_headernames
data:
  deny   dkim_status = fail
         message = a signature failed
  accept logwrite = data: status=$dkim_verify_status signers=$dkim_signers
`);
}

const run = (conf: string, data: string) => hostCheck(conf, '192.0.2.1', messageDialogue('alice@signer.test', 'bob@mx.tern.test', data), dns);

test('RSA and ed25519 signatures pass; the DKIM ACL runs once per signer', async () => {
  const signed = await signMessage(MESSAGE, [
    { domain: 'signer.test', key: rsa, identity: 'alice@signer.test' },
    { domain: 'signer.test', key: ed, canonicalization: 'simple/simple' },
  ]);
  const r = await run(config(), signed);
  const acl = r.log.filter((l) => l.startsWith('dkim: '));
  // $dkim_signers is "signer.test:alice@signer.test:signer.test": the ACL runs for the
  // domain (both signatures) and for the identity (the RSA one), each once
  assert.equal(acl.length, 3, r.log.join('\n'));
  // ed25519 first: dkim_verify_keytypes (ed25519 : rsa) is also the order of processing
  assert.match(acl[0], /^dkim: signer=signer\.test status=pass reason= d=signer\.test s=ed i= a=ed25519-sha256 c=simple\/simple bits=256 /);
  assert.match(acl[1], /^dkim: signer=signer\.test status=pass reason= d=signer\.test s=rsa i=alice@signer\.test a=rsa-sha256 c=relaxed\/relaxed bits=2048 h=Message-ID:Date:Subject:To:From$/);
  assert.match(acl[2], /^dkim: signer=alice@signer\.test status=pass .* s=rsa /);
  assert.ok(r.log.includes('data: status=pass:pass:pass signers=signer.test:signer.test:alice@signer.test'), r.log.join('\n'));
  assert.ok(r.log.some((l) => / DKIM=signer\.test id=m1@signer\.test$/.test(l)), r.log.join('\n'));
  assert.ok(r.log.some((l) => /^DKIM: d=signer\.test s=rsa c=relaxed\/relaxed a=rsa-sha256 b=2048 i=alice@signer\.test t=\d+ \[verification succeeded\]$/.test(l)), r.log.join('\n'));
  assert.ok(r.log.some((l) => /^DKIM: d=signer\.test s=ed c=simple\/simple a=ed25519-sha256 b=512 t=\d+ \[verification succeeded\]$/.test(l)), r.log.join('\n'));
  assert.match(r.stdout, /^250 OK id=/m);
});

test('an altered body fails with bodyhash_mismatch, and dkim_status = fail refuses it in DATA', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }]);
  const r = await run(config(), signed.replace('This body is signed.', 'This body was changed.'));
  assert.ok(r.log.some((l) => l.startsWith('dkim: signer=signer.test status=fail reason=bodyhash_mismatch d=signer.test s=rsa')), r.log.join('\n'));
  assert.ok(r.log.some((l) => l.endsWith('[verification failed - body hash mismatch (body probably modified in transit)]')), r.log.join('\n'));
  assert.match(r.stdout, /^550 a signature failed$/m);
});

test('an altered signed header fails with signature_incorrect', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }]);
  const r = await run(config(), signed.replace('Subject: signed', 'Subject: forged'));
  assert.ok(r.log.some((l) => l.startsWith('dkim: signer=signer.test status=fail reason=signature_incorrect')), r.log.join('\n'));
});

test('a key that is not in DNS is invalid (pubkey_unavailable); a 512-bit key fails as too short', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: unpublished }, { domain: 'signer.test', key: small }]);
  const r = await run(config(), signed);
  assert.ok(r.log.some((l) => l.startsWith('dkim: signer=signer.test status=invalid reason=pubkey_unavailable d=signer.test s=gone')), r.log.join('\n'));
  assert.ok(r.log.some((l) => l.startsWith('dkim: signer=signer.test status=fail reason=pubkey_too_short d=signer.test s=small')), r.log.join('\n'));
  assert.ok(r.log.some((l) => l.endsWith('s=gone c=relaxed/relaxed a=rsa-sha256 b=2048 t=' + /t=(\d+)/.exec(l)?.[1] + ' [invalid - public key record (currently?) unavailable]')), r.log.join('\n'));
});

test('an unsigned message: no signers, no ACL run unless dkim_verify_signers names one', async () => {
  const plain = await run(config(), MESSAGE);
  assert.ok(!plain.log.some((l) => l.startsWith('dkim: ')), plain.log.join('\n'));
  assert.ok(plain.log.includes('data: status= signers='), plain.log.join('\n'));
  const named = await run(config('dkim_verify_signers = paypal.test : $dkim_signers : paypal.test', '  deny dkim_signers = paypal.test\n       dkim_status = none\n       message = no signature from $dkim_cur_signer'), MESSAGE);
  assert.match(named.stdout, /^550 no signature from paypal\.test$/m);
  assert.ok(named.log.some((l) => l === 'H=(client.test) [192.0.2.1] rejected DKIM : no signature from paypal.test'), named.log.join('\n'));
});

test('a signer named in dkim_verify_signers that did not sign gets status "none"; the others keep theirs', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'other.test', key: { ...rsa, selector: 'o' } }]);
  const r = await run(config('dkim_verify_signers = signer.test : $dkim_signers'), signed);
  const acl = r.log.filter((l) => l.startsWith('dkim: '));
  assert.equal(acl.length, 2, r.log.join('\n'));
  assert.match(acl[0], /^dkim: signer=signer\.test status=none reason= d= s= i= a= /);
  assert.match(acl[1], /^dkim: signer=other\.test status=pass reason= d=other\.test s=o /);
  assert.ok(r.log.includes('data: status=none:pass signers=other.test'), r.log.join('\n'));
});

test('the DKIM ACL may overrule a verdict with "set dkim_verify_status"; the log line shows it', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }]);
  const r = await run(config('', '  warn set dkim_verify_status = fail\n       set dkim_verify_reason = local policy'), signed);
  assert.ok(r.log.some((l) => /^DKIM: d=signer\.test s=rsa .* \[fail - local policy\]$/.test(l)), r.log.join('\n'));
  assert.match(r.stdout, /^550 a signature failed$/m);
});

test('a DKIM ACL "discard" drops the recipients: no DATA ACL, a blackhole line', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }]);
  const r = await run(config('', '  discard dkim_status = pass'), signed);
  assert.ok(r.log.includes('=> blackhole (DKIM ACL discarded recipients)'), r.log.join('\n'));
  assert.ok(!r.log.some((l) => l.startsWith('data: ')), r.log.join('\n'));
  assert.match(r.stdout, /^250 OK id=/m);
});

test('${authresults} carries one dkim= part per signature', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa, identity: 'alice@signer.test' }, { domain: 'signer.test', key: unpublished }]);
  const conf = writeConfig(`
primary_hostname = mx.tern.test
acl_smtp_rcpt = accept
acl_smtp_data = data
begin acl
data:
  accept logwrite = \${authresults{mx.tern.test}}
`);
  const r = await run(conf, signed);
  const line = r.log.find((l) => l.startsWith('Authentication-Results: mx.tern.test;'));
  assert.ok(line, r.log.join('\n'));
  assert.ok(line.includes('dkim=pass header.d=signer.test header.i=alice@signer.test header.s=rsa header.a=rsa-sha256'), line);
  // after a comment Exim folds the properties onto a continuation line
  assert.ok(line.includes('dkim=tmperror (pubkey unavailable)\\n\t\t header.d=signer.test header.s=gone header.a=rsa-sha256'), line);
  assert.ok(r.log.includes('DKIM: d=signer.test s=gone [failed key import]'), r.log.join('\n'));
});

test('control = dkim_disable_verify: nothing is verified', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }]);
  const conf = writeConfig(`
primary_hostname = mx.tern.test
log_selector = +dkim_verbose
acl_smtp_rcpt = rcpt
acl_smtp_dkim = dkim
acl_smtp_data = data
begin acl
rcpt:
  accept control = dkim_disable_verify
dkim:
  accept logwrite = dkim ACL ran
data:
  accept logwrite = data: status=$dkim_verify_status signers=$dkim_signers
`);
  const r = await run(conf, signed);
  assert.ok(!r.log.some((l) => l === 'dkim ACL ran' || l.startsWith('DKIM: ')), r.log.join('\n'));
  assert.ok(r.log.includes('data: status= signers='), r.log.join('\n'));
});

test('dkim_verify_hashes / dkim_verify_keytypes: other signatures are ignored', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }, { domain: 'signer.test', key: ed }]);
  const r = await run(config('dkim_verify_keytypes = ed25519'), signed);
  const acl = r.log.filter((l) => l.startsWith('dkim: '));
  assert.equal(acl.length, 1, r.log.join('\n'));
  assert.match(acl[0], / s=ed /);
});

test('dkim_verify_minimal: after the first passing signature the others are not verified', async () => {
  const signed = await signMessage(MESSAGE, [{ domain: 'signer.test', key: rsa }, { domain: 'signer.test', key: ed }]);
  const r = await run(config('dkim_verify_minimal = true'), signed);
  const acl = r.log.filter((l) => l.startsWith('dkim: '));
  assert.match(acl[0], / status=pass .* s=ed /);
  assert.match(acl[1], / status=none reason= d=signer\.test s=rsa /);
  assert.ok(r.log.some((l) => /^DKIM: d=signer\.test s=rsa .* \[not verified\]$/.test(l)), r.log.join('\n'));
});

test('signature tags: folding removed, first of a repeated tag kept', () => {
  const t = parseSignatureTags(' v=1; a=rsa-sha256; d=example.com;\n\ts=sel; h=from :\n to; b=abc\n def=; b=ignored');
  assert.equal(t.tags.get('h'), 'from:to');
  assert.equal(t.b, 'abcdef=');
  assert.deepEqual([...parseMinKeySizes('rsa=1024 ed25519=250')], [['rsa', 1024], ['ed25519', 250]]);
});
