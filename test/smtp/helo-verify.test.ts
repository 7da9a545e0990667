// HELO verification and the client's host name outside ACLs: host_lookup at
// connection, helo_verify_hosts / helo_try_verify_hosts at HELO, and
// `verify = helo` asked again after a new HELO — against a real BIND with
// forward and reverse zones, through `tern -bh`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dns: DnsServer;
let dir: string;

before(async () => {
  dns = await startDnsServer([
    { name: 'example.test', records: ['mail A 10.0.0.5', 'other A 10.0.0.99'] },
    { name: '0.0.10.in-addr.arpa', records: ['5 PTR mail.example.test.', '6 PTR liar.example.test.'] },
  ]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-helo-verify-'));
});

after(async () => {
  await dns?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function hostCheck(config: string[], ip: string, commands: string[]): { replies: string[]; stderr: string } {
  const conf = path.join(dir, `configure-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(conf, [`spool_directory = ${dir}/spool`, 'primary_hostname = mx.example.test', ...config, ''].join('\n'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', ip], {
    input: commands.map((c) => c + '\r\n').join(''),
    encoding: 'latin1',
    timeout: 30_000,
    env: { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` },
  });
  assert.equal(r.status, 0, r.stderr);
  const replies = r.stdout.split(/\r?\n/).filter((l) => /^\d{3} /.test(l) && !l.startsWith('220 '));
  return { replies, stderr: r.stderr };
}

test('host_lookup: the verified name is $sender_host_name from the start', () => {
  const acl = ['acl_smtp_mail = check_mail', 'begin acl', 'check_mail:',
    '  deny message = name=<$sender_host_name> failed=<$host_lookup_failed>', ''];
  const found = hostCheck(['host_lookup = *', ...acl], '10.0.0.5', ['EHLO client', 'MAIL FROM:<a@example.test>', 'QUIT']);
  assert.equal(found.replies[1], '550 name=<mail.example.test> failed=<0>');
  assert.match(found.stderr, /looking up host name for 10\.0\.0\.5/);
  // PTR says liar.example.test, which has no address 10.0.0.6: no name, lookup failed
  const liar = hostCheck(['host_lookup = *', ...acl], '10.0.0.6', ['EHLO client', 'MAIL FROM:<a@example.test>', 'QUIT']);
  assert.equal(liar.replies[1], '550 name=<> failed=<1>');
  // a name that does not verify is no log matter; no PTR record at all is (Exim's line, checked with exim4 -bh)
  assert.doesNotMatch(liar.stderr, /no host name found/);
  const nameless = hostCheck(['host_lookup = *', ...acl], '10.0.0.7', ['EHLO client', 'MAIL FROM:<a@example.test>', 'QUIT']);
  assert.equal(nameless.replies[1], '550 name=<> failed=<1>');
  assert.match(nameless.stderr, /^LOG: no host name found for IP address 10\.0\.0\.7$/m);
  // not in host_lookup: no lookup at all
  const none = hostCheck(['host_lookup = 192.0.2.0/24', ...acl], '10.0.0.5', ['EHLO client', 'MAIL FROM:<a@example.test>', 'QUIT']);
  assert.equal(none.replies[1], '550 name=<> failed=<0>');
  assert.doesNotMatch(none.stderr, /looking up host name/);
});

test('helo_verify_hosts: MAIL before HELO is refused, a HELO that does not verify is rejected', () => {
  const config = ['helo_verify_hosts = *', 'acl_smtp_mail = accept'];
  const r = hostCheck(config, '10.0.0.5', [
    'MAIL FROM:<a@example.test>', 'HELO other.example.test', 'HELO mail.example.test', 'MAIL FROM:<a@example.test>', 'QUIT',
  ]);
  assert.deepEqual(r.replies.slice(0, 4), [
    '503 HELO or EHLO required',
    '550 HELO argument does not match calling host',
    '250 mx.example.test Hello mail.example.test [10.0.0.5]',
    '250 OK',
  ]);
  assert.match(r.stderr, /LOG: rejected "HELO other\.example\.test" from mail\.example\.test \(other\.example\.test\) \[10\.0\.0\.5\]/);
  // a name whose address is the client's verifies by forward lookup; an IP literal by itself
  const fwd = hostCheck(config, '10.0.0.99', ['HELO other.example.test', 'HELO [10.0.0.99]', 'QUIT']);
  assert.match(fwd.replies[0], /^250 /);
  assert.match(fwd.replies[1], /^250 /);
});

test('helo_try_verify_hosts: the HELO is accepted, verify = helo sees the result; a new HELO is verified afresh', () => {
  const config = ['helo_try_verify_hosts = *', 'acl_smtp_mail = check_mail', 'begin acl', 'check_mail:',
    '  accept verify = helo', '  deny message = HELO $sender_helo_name not verified', ''];
  const r = hostCheck(config, '10.0.0.5', [
    'HELO other.example.test', 'MAIL FROM:<a@example.test>', 'RSET', 'HELO mail.example.test', 'MAIL FROM:<a@example.test>',
    'RSET', 'HELO other.example.test', 'MAIL FROM:<a@example.test>', 'QUIT',
  ]);
  assert.match(r.replies[0], /^250 /);
  assert.equal(r.replies[1], '550 HELO other.example.test not verified');
  assert.equal(r.replies[4], '250 OK');
  assert.equal(r.replies[7], '550 HELO other.example.test not verified');
});

test('a host-list item naming a host without an address is logged as Exim logs it', () => {
  const acl = ['acl_smtp_mail = check_mail', 'begin acl', 'check_mail:', '  accept hosts = nothere.example.test : localhost', '  deny', ''];
  const r = hostCheck(acl, '10.0.0.5', ['EHLO client', 'MAIL FROM:<a@example.test>', 'QUIT']);
  assert.equal(r.replies[1], '550 Administrative prohibition');
  assert.match(r.stderr, /^LOG: no IP address found for host nothere\.example\.test \(during SMTP connection from \(client\) \[10\.0\.0\.5\]\)$/m);
  // localhost is known to the hosts file (as to Exim's gethostbyname): no such line for it
  assert.doesNotMatch(r.stderr, /no IP address found for host localhost/);
});
