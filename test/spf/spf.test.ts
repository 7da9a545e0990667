// The spf and spf_guess ACL conditions against SPF records served by a real
// BIND on loopback: results decide the RCPT ACL, and the $spf_* variables
// carry what the check found.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { hostCheck, messageDialogue, writeConfig } from './host-check.ts';
import { ternSetup } from '../helpers/tern-daemon.ts';
import { checkSpf } from '../../src/spf/check.ts';
import { mailauthResolver } from '../../src/spf/mailauth-resolver.ts';
import { spfListMatches } from '../../src/spf/condition.ts';
import { expandSpfTemplate } from '../../src/spf/comment-template.ts';
import { setResolvers, clearDnsCache } from '../../src/dns/index.ts';
import { expandStringAsync } from '../../src/expand/index.ts';
import { newContext } from '../../src/expand/context.ts';

let dns: DnsServer;

before(async () => {
  dns = await startDnsServer([{
    name: 'spf.test',
    records: [
      'pass TXT "v=spf1 ip4:192.0.2.1 -all"',
      'soft TXT "v=spf1 ip4:192.0.2.99 ~all"',
      'fail TXT "v=spf1 ip4:192.0.2.99 -all"',
      'neutral TXT "v=spf1 ?all"',
      'broken TXT "v=spf1 ip4:192.0.2.1 bogus:mechanism -all"',
      'explained TXT "v=spf1 -all exp=why.spf.test"',
      'why TXT "%{i} may not send for %{d}"',
      'nospf A 192.0.2.1',
      'nospf TXT "just some text"',
      'helo TXT "v=spf1 ip4:192.0.2.1 -all"',
    ],
  }]);
  setResolvers([{ host: dns.host, port: dns.port }]);
});

after(async () => {
  setResolvers(null);
  clearDnsCache();
  await dns?.stop();
});

const CONFIG = `
primary_hostname = mx.tern.test
acl_smtp_rcpt = rcpt
acl_smtp_data = data
begin acl
rcpt:
  deny    spf = fail
          message = SPF says no: $spf_smtp_comment
  warn    spf = softfail : neutral
          logwrite = weak SPF: $spf_result
  warn    spf = !pass
          logwrite = not a pass: $spf_result
  accept  logwrite = spf=$spf_result guessed=$spf_result_guessed comment=$spf_header_comment
data:
  accept  logwrite = data sees $spf_result; $spf_received
`;

const ask = (sender: string, ip: string, helo = 'client.test') =>
  hostCheck(writeConfig(CONFIG), ip, messageDialogue(sender, 'user@mx.tern.test', 'Subject: x\n\nhello\n', helo), dns);

test('spf = pass: accepted, with the check described in the variables', async () => {
  const r = await ask('a@pass.spf.test', '192.0.2.1');
  assert.match(r.stdout, /^250 Accepted$/m);
  assert.ok(r.log.includes('spf=pass guessed=no comment=mx.tern.test: domain of pass.spf.test designates 192.0.2.1 as permitted sender'), r.log.join('\n'));
  assert.ok(!r.log.some((l) => l.startsWith('not a pass')));
  assert.ok(r.log.includes('data sees pass; Received-SPF: pass (mx.tern.test: domain of pass.spf.test designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=a@pass.spf.test; helo=client.test;'), r.log.join('\n'));
});

test('spf = fail: the RCPT is refused with the SMTP comment', async () => {
  const r = await ask('a@fail.spf.test', '192.0.2.1');
  assert.match(r.stdout, /^550 SPF says no: Please see http:\/\/www\.open-spf\.org\/Why : Reason: mechanism$/m);
  assert.ok(r.log.some((l) => l.includes('rejected RCPT <user@mx.tern.test>: SPF says no')), r.log.join('\n'));
});

test('softfail and neutral match their own names and "!pass"', async () => {
  const soft = await ask('a@soft.spf.test', '192.0.2.1');
  assert.ok(soft.log.includes('weak SPF: softfail'), soft.log.join('\n'));
  assert.ok(soft.log.includes('not a pass: softfail'));
  assert.match(soft.stdout, /^250 Accepted$/m);
  const neutral = await ask('a@neutral.spf.test', '192.0.2.1');
  assert.ok(neutral.log.includes('weak SPF: neutral'), neutral.log.join('\n'));
});

test('no SPF record is "none"; a record that does not compile leaves "(invalid)", as libspf2 does', async () => {
  const none = await ask('a@nospf.spf.test', '192.0.2.1');
  assert.ok(none.log.some((l) => l.startsWith('spf=none guessed=no comment=mx.tern.test: domain of nospf.spf.test does not provide an SPF record')), none.log.join('\n'));
  const broken = await ask('a@broken.spf.test', '192.0.2.7');
  assert.ok(broken.log.includes('spf=(invalid) guessed=no comment='), broken.log.join('\n'));
});

test('a bounce is checked for the HELO name', async () => {
  const r = await ask('', '192.0.2.1', 'helo.spf.test');
  assert.ok(r.log.some((l) => l.startsWith('spf=pass guessed=no comment=mx.tern.test: domain of helo.spf.test designates')), r.log.join('\n'));
});

test('spf_guess uses the spf_guess record only when the domain publishes none', async () => {
  const config = writeConfig(`
primary_hostname = mx.tern.test
spf_guess = v=spf1 a/24 -all
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  accept spf_guess = pass
         logwrite = guess passed: $spf_result guessed=$spf_result_guessed
  accept logwrite = guess said: $spf_result guessed=$spf_result_guessed
`);
  const msg = (sender: string) => messageDialogue(sender, 'user@mx.tern.test', 'Subject: x\n\nhello\n');
  const near = await hostCheck(config, '192.0.2.200', msg('a@nospf.spf.test'), dns);
  assert.ok(near.log.includes('guess passed: pass guessed=yes'), near.log.join('\n'));
  const far = await hostCheck(config, '198.51.100.1', msg('a@nospf.spf.test'), dns);
  assert.ok(far.log.includes('guess said: fail guessed=yes'), far.log.join('\n'));
  // a published record is used as it is
  const own = await hostCheck(config, '192.0.2.200', msg('a@fail.spf.test'), dns);
  assert.ok(own.log.includes('guess said: fail guessed=no'), own.log.join('\n'));
});

test('a local SMTP message (-bs) has no client address: 0.0.0.0 is checked, as Exim does', () => {
  const t = ternSetup({ config: `
primary_hostname = mx.tern.test
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  warn   spf = fail
         logwrite = local: $spf_result; $spf_header_comment
  accept
` });
  try {
    t.env.TERN_RESOLVERS = `${dns.host}:${dns.port}`;
    const r = t.tern(['-bs'], 'HELO helo.spf.test\r\nMAIL FROM:<a@pass.spf.test>\r\nRCPT TO:<root@mx.tern.test>\r\nQUIT\r\n');
    assert.match(r.stdout, /^250 Accepted/m, r.stderr);
    assert.match(t.log(), /local: fail; mx\.tern\.test: domain of pass\.spf\.test does not designate 0\.0\.0\.0 as permitted sender/);
  } finally {
    t.remove();
  }
});

test('checkSpf: the SMTP comment is the template, also when the record has exp= (Exim\'s libspf2 setup ignores it)', async () => {
  clearDnsCache();
  const o = await checkSpf({ ip: '192.0.2.5', helo: 'client.test', sender: 'x@explained.spf.test', receiver: 'mx', commentTemplate: 'See%_http://x/%{d}' });
  assert.equal(o.result, 'fail');
  assert.equal(o.smtpComment, 'See http://x/explained.spf.test : Reason: mechanism');
  assert.equal(o.domain, 'explained.spf.test');
});

test('checkSpf: an unanswerable DNS question leaves no result, "(invalid)" with empty texts', async () => {
  // a resolver that fails the way tern's does when no server answers
  const failing = async () => {
    throw Object.assign(new Error('no answer'), { code: 'ESERVFAIL' });
  };
  const o = await checkSpf({ ip: '192.0.2.5', helo: 'h', sender: 'x@pass.spf.test', receiver: 'mx', commentTemplate: '', resolver: failing });
  assert.deepEqual([o.result, o.headerComment, o.received, o.smtpComment], ['(invalid)', '', '', '']);
});

test('${lookup {sender} spf {ip}}: the result name; a bare domain is postmaster@ it; a non-address is not found', async () => {
  const ctx = newContext();
  const lookup = (sender: string, ip: string) => expandStringAsync(`\${lookup{${sender}}spf{${ip}}{$value}{not found}}`, ctx);
  assert.equal(await lookup('a@pass.spf.test', '192.0.2.1'), 'pass');
  assert.equal(await lookup('a@soft.spf.test', '192.0.2.1'), 'softfail');
  assert.equal(await lookup('pass.spf.test', '192.0.2.1'), 'pass');
  assert.equal(await lookup('a@nospf.spf.test', '192.0.2.1'), 'none');
  assert.equal(await lookup('a@broken.spf.test', '192.0.2.1'), '(invalid)');
  assert.equal(await lookup('a@pass.spf.test', 'bad'), 'not found');
});

test('the resolver mailauth is given: answers in dns.promises shapes, node:dns error codes', async () => {
  clearDnsCache();
  assert.deepEqual(await mailauthResolver('pass.spf.test', 'TXT'), [['v=spf1 ip4:192.0.2.1 -all']]);
  assert.deepEqual(await mailauthResolver('nospf.spf.test', 'A'), ['192.0.2.1']);
  await assert.rejects(mailauthResolver('nowhere.spf.test', 'TXT'), { code: 'ENOTFOUND' });
  await assert.rejects(mailauthResolver('nospf.spf.test', 'MX'), { code: 'ENODATA' });
  await assert.rejects(mailauthResolver('nospf.spf.test', 'HINFO'), { code: 'ENOTIMP' });
});

test('the result list: names, "*", and "!" inverting an item', () => {
  assert.equal(spfListMatches('pass', 'pass'), true);
  assert.equal(spfListMatches('fail', 'pass : softfail'), false);
  assert.equal(spfListMatches('softfail', 'pass : softfail'), true);
  assert.equal(spfListMatches('fail', '!pass'), true);
  assert.equal(spfListMatches('pass', '!pass'), false);
  assert.equal(spfListMatches('temperror', '*'), true);
  assert.equal(spfListMatches('none', '!*'), false);
  assert.equal(spfListMatches('none', ''), false);
  assert.equal(spfListMatches('(invalid)', 'invalid'), true);
});

test('the SMTP comment template: %_ %- %% and macros', () => {
  const v = { sender: 'joe@example.com', ip: '192.0.2.3', helo: 'h.example', receiver: 'mx.example', now: 1700000000 };
  assert.equal(expandSpfTemplate('Please%_see%_http://x/Why?s=%{S}&i=%{i}', v), 'Please see http://x/Why?s=joe%40example.com&i=192.0.2.3');
  assert.equal(expandSpfTemplate('%{l}%-at%-%{d} 100%% %{v} %{h} %{r} %{t}', v), 'joe%20at%20example.com 100% in-addr h.example mx.example 1700000000');
});
