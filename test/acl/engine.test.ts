// Unit tests of the ACL engine driven through runAcl: configuration errors
// (Exim's -bV texts), dnslists against a real named, ratelimit and seen
// with the hints database, verify, headers, controls, udpsend, delay, ${acl}.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { ConfigError } from '../../src/config/index.ts';
import { compileAcls, applyHeaderChanges, runAclOption, splitMessage } from '../../src/acl/index.ts';
import { expandString } from '../../src/expand/index.ts';
import { installAclHook } from '../../src/acl/index.ts';
import { setResolvers } from '../../src/dns/index.ts';
import { closeHintsDbs } from '../../src/hints/db.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { makeConfig, makeSession } from './helpers.ts';

after(() => closeHintsDbs());

function compileError(acls: string): string {
  const { config } = makeConfig(acls);
  try {
    compileAcls(config);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return `${e.line}: ${e.detail}`;
  }
  return 'no error';
}

test('configuration errors use Exim texts and lines', () => {
  // the ACL section starts on line 5 of the generated file (line 4 is "begin acl")
  assert.equal(compileError('a:\n  accept foo = bar'), '6: error in ACL: unknown ACL condition/modifier in "accept foo = bar"');
  assert.equal(compileError('a:\n  accept hosts'), '6: error in ACL: "=" missing after ACL "hosts" condition');
  assert.equal(compileError('a:\n  deny endpass'), '6: error in ACL: ACL error: "endpass" is not allowed with "deny"');
  assert.equal(compileError('a:\n  accept !message = x'), '6: error in ACL: ACL error: negation is not allowed with "message"');
  assert.equal(compileError('a:\n  accept set foo = 1'), '6: error in ACL: invalid variable name after "set" in ACL modifier "set foo = 1" (must start "acl_c" or "acl_m")');
  assert.equal(compileError('a:\n  accept set acl_mx = 1'), '6: error in ACL: invalid variable name after "set" in ACL modifier "set acl_mx = 1" (digit or underscore must follow acl_c or acl_m)');
  assert.equal(compileError('a:\n  bogus hosts = x'), '6: error in ACL: unknown ACL verb "bogus" in "bogus hosts = x"');
  assert.equal(compileError('a:\n  accept demime = x'), '6: error in ACL: unknown ACL condition/modifier in "accept demime = x"');
  assert.equal(compileError('a:\n  accept hosts = x\n\n     domains = y\n   foo = bar'), '9: error in ACL: unknown ACL condition/modifier in "foo = bar"');
  assert.equal(compileError('a:\n  accept control = nosuch\n  accept set acl_m1\n'), '7: error in ACL: "=" missing after ACL "set" modifier');
});

test('runAclOption defaults for unset options and forced failure', async () => {
  const { config } = makeConfig('', 'acl_smtp_mail = ${if eq{1}{2}{x}fail}');
  const s = makeSession(config);
  assert.equal((await runAclOption('rcpt', s.actx)).verdict, 'deny');
  assert.equal((await runAclOption('helo', s.actx)).verdict, 'accept');
  assert.equal((await runAclOption('mail', s.actx)).verdict, 'accept');
});

test('splitMessage follows Exim: at a space after a colon, else the last space', () => {
  assert.equal(splitMessage('short'), 'short');
  const long = 'This is a rather long rejection message which Exim is going to split: at a colon if it can, otherwise at a space somewhere sensible';
  assert.equal(splitMessage(long), 'This is a rather long rejection message which Exim is going to split:\nat a colon if it can, otherwise at a space somewhere sensible');
});

test('add_header and remove_header accumulate and apply at their positions', async () => {
  const { config } = makeConfig(`data:
  warn add_header = X-One: 1\\nnot a header\\n:at_start:X-Top: t\\n:after_received:X-Rec: r\\n:at_start_rfc:X-Rfc: f
  warn add_header = X-One: 1
  warn remove_header = x-drop : ^Subject:\\\\s*spam
  accept`);
  const s = makeSession(config, { hostAddress: '192.0.2.1' });
  assert.equal((await s.run('data', 'data')).verdict, 'accept');
  assert.deepEqual(s.actx.msg.headersToAdd.map((h) => `${h.position} ${h.text}`), [
    'end X-One: 1\n', 'end X-ACL-Warn: not a header\n', 'at_start X-Top: t\n', 'after_received X-Rec: r\n', 'at_start_rfc X-Rfc: f\n',
  ]);
  const out = applyHeaderChanges(['Received: a\n', 'Received: b\n', 'X-Drop: 1\n', 'Subject: spam\n', 'From: x\n'], s.actx.msg.headersToAdd, s.actx.msg.headersToRemove);
  assert.deepEqual(out, ['X-Top: t\n', 'Received: a\n', 'Received: b\n', 'X-Rfc: f\n', 'X-Rec: r\n', 'From: x\n', 'X-One: 1\n', 'X-ACL-Warn: not a header\n']);
});

test('controls are recorded and checked against the ACL they appear in', async () => {
  const { config } = makeConfig(`rcpt:
  warn control = freeze/no_tell
       control = queue/first_pass_route
       control = submission/domain=example.org/name=Some One
       control = no_enforce_sync
       control = fakereject
  accept
mail:
  accept control = caseful_local_part`);
  const s = makeSession(config, { hostAddress: '192.0.2.1' });
  assert.equal((await s.run('rcpt', 'rcpt', 'U@test.example')).verdict, 'accept');
  const m = s.actx.msg.controls;
  assert.deepEqual(m.freeze, { noTell: true });
  assert.deepEqual(m.queue, { firstPassRoute: true, only: true });
  assert.deepEqual(m.submission, { senderRetain: false, domain: 'example.org', name: 'Some One' });
  assert.equal(s.actx.conn.controls.enforceSync, false);
  assert.match(m.fakeReject ?? '', /^Your message has been rejected/);
  const r = await s.run('mail', 'mail');
  assert.equal(r.verdict, 'error');
  assert.equal(r.logMessage, 'cannot use "control=caseful_local_part" in MAIL ACL');
});

test('ratelimit: leaky and strict, per_conn memory, unique events, stored across connections', async () => {
  const { config } = makeConfig(`rcpt:
  deny ratelimit = 3 / 1h / per_rcpt / unique=$local_part
       message = unique rate $sender_rate
  accept
strict:
  deny ratelimit = 1 / 1h / strict / $acl_c_key
  accept
conn:
  deny ratelimit = 0 / 1h / per_conn
  accept`);
  const s = makeSession(config, { hostAddress: '192.0.2.7' });
  const verdicts: string[] = [];
  for (const lp of ['a', 'a', 'b', 'a', 'c', 'd', 'c']) verdicts.push((await s.run('rcpt', 'rcpt', `${lp}@test.example`)).verdict);
  // repeats are not counted; the smoothed rate stays just under 3 after 3 distinct recipients
  assert.deepEqual(verdicts, ['accept', 'accept', 'accept', 'accept', 'accept', 'deny', 'accept']);
  s.actx.expand.vars.set('acl_c_key', { value: 'k1', tainted: false });
  assert.equal((await s.run('rcpt', 'strict')).verdict, 'deny');
  // a new connection sees the stored rate
  const s2 = makeSession(config, { hostAddress: '192.0.2.7' });
  s2.actx.expand.vars.set('acl_c_key', { value: 'k1', tainted: false });
  assert.equal((await s2.run('rcpt', 'strict')).verdict, 'deny');
  assert.equal(s2.actx.expand.vars.get('sender_rate')?.value, '2.0');
  const r = await s2.run('connect', 'conn');
  assert.equal(r.verdict, 'deny');
  assert.equal([...s2.actx.conn.ratelimitSeen.keys()][0], '1h/per_conn/192.0.2.7');
});

test('seen: greylisting-style before/since tests', async () => {
  let now = 1_000_000_000_000;
  const { config } = makeConfig(`rcpt:
  defer seen = -5m / key=grey_$local_part
  accept`);
  const s = makeSession(config, { hostAddress: '192.0.2.8' });
  s.actx.now = () => now;
  assert.equal((await s.run('rcpt', 'rcpt', 'x@test.example')).verdict, 'accept');
  now += 60_000;
  assert.equal((await s.run('rcpt', 'rcpt', 'x@test.example')).verdict, 'accept');
  now += 10 * 60_000;
  assert.equal((await s.run('rcpt', 'rcpt', 'x@test.example')).verdict, 'defer');
});

test('verify: header_syntax, not_blind, helo literal, and the address hook', async () => {
  const { config } = makeConfig(`data:
  deny !verify = header_syntax
       message = syntax: $acl_verify_message
  deny !verify = not_blind
       message = blind
  accept
rcpt:
  require verify = recipient/callout=10s,defer_ok
  accept verify = helo`);
  const s = makeSession(config, { hostAddress: '192.0.2.1', helo: '[192.0.2.1]' });
  s.actx.headers = ['From: a@b.c\n', 'To: @\n'];
  let r = await s.run('data', 'data');
  assert.equal(r.verdict, 'deny');
  // as in Exim, $acl_verify_message is empty here (the text is the log message)
  assert.equal(r.userMessage, 'syntax: ');
  // (Exim's parser says "domain missing or malformed" for "@"; the reason text comes from expand/operators/address.ts)
  assert.match(r.logMessage ?? '', /: failing address in "To:" header is: @$/);
  s.actx.headers = ['From: a@b.c\n', 'To: x@test.example\n'];
  s.actx.expand.vars.set('recipients', { value: 'x@test.example, y@test.example', tainted: false });
  assert.equal((await s.run('data', 'data')).userMessage, 'blind');
  s.actx.expand.vars.set('recipients', { value: 'x@test.example', tainted: false });
  assert.equal((await s.run('data', 'data')).verdict, 'accept');
  // no verify hook: defer, logged
  r = await s.run('rcpt', 'rcpt', 'u@test.example');
  assert.equal(r.verdict, 'defer');
  assert.ok(s.rec.main.some((l) => l.includes('address verification not available yet')));
  const calls: string[] = [];
  s.actx.verify = {
    address: async (address, kind, options) => {
      calls.push(`${kind} ${address} ${options.callout?.timeout} ${options.callout?.defer_ok}`);
      return address.startsWith('bad') ? { result: 'fail', message: 'Unrouteable address' } : { result: 'ok' };
    },
  };
  assert.equal((await s.run('rcpt', 'rcpt', 'u@test.example')).verdict, 'accept');
  r = await s.run('rcpt', 'rcpt', 'bad@test.example');
  assert.equal(r.verdict, 'deny');
  assert.equal(r.userMessage, 'Unrouteable address');
  assert.deepEqual(calls, ['recipient u@test.example 10 true', 'recipient bad@test.example 10 true']);
});

test('${acl} in an expansion runs an ACL with arguments', () => {
  const { config } = makeConfig(`check:
  accept condition = \${if eq{$acl_arg1}{yes}}
         message = ok $acl_arg2 $acl_narg
  deny   message = no`);
  const s = makeSession(config);
  installAclHook(s.actx);
  assert.equal(expandString('${acl{check}{yes}{two}}', s.actx.expand), 'ok two 2');
  assert.equal(s.actx.expand.vars.get('acl_narg'), undefined);
});

test('udpsend sends one datagram to loopback', async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const port = sock.address().port;
  const got = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())));
  const { config } = makeConfig(`rcpt:\n  accept udpsend = 127.0.0.1 : ${port} : hello $local_part : more`);
  const s = makeSession(config);
  assert.equal((await s.run('rcpt', 'rcpt', 'me@test.example')).verdict, 'accept');
  assert.equal(await got, 'hello me : more');
  sock.close();
});

test('delay waits through the hook unless host checking', async () => {
  const { config } = makeConfig('rcpt:\n  accept delay = 2s');
  const s = makeSession(config);
  const waited: number[] = [];
  s.actx.delay = async (ms, opts) => void waited.push(ms, Number(opts.flush));
  await s.run('rcpt', 'rcpt', 'a@test.example');
  s.actx.hostChecking = true;
  await s.run('rcpt', 'rcpt', 'a@test.example');
  assert.deepEqual(waited, [2000, 1]);
  assert.ok(s.rec.trace.includes('delay skipped in -bh checking mode'));
});

let dns: DnsServer | undefined;
before(async () => {
  dns = await startDnsServer([
    {
      name: 'bl.test',
      records: [
        '1.2.0.192 A 127.0.0.2', '1.2.0.192 TXT "listed: see http://bl.test/"',
        '2.2.0.192 A 127.0.0.3', '2.2.0.192 A 127.0.0.5',
        '3.2.0.192 A 10.0.0.1',
        'spammer.example A 127.0.0.4',
      ],
    },
  ]);
  setResolvers([{ host: dns.host, port: dns.port }]);
});
after(async () => {
  setResolvers(null);
  await dns?.stop();
});

test('dnslists against a real DNS server', async () => {
  const { config } = makeConfig(`rcpt:
  deny dnslists = $acl_c_list
       message = $dnslist_domain $dnslist_matched $dnslist_value [$dnslist_text]
  accept`);
  const check = async (ip: string, list: string): Promise<string> => {
    const s = makeSession(config, { hostAddress: ip });
    s.actx.expand.vars.set('acl_c_list', { value: list, tainted: false });
    const r = await s.run('rcpt', 'rcpt', 'a@test.example');
    return r.verdict === 'deny' ? (r.userMessage ?? '') : r.verdict;
  };
  assert.equal(await check('192.0.2.1', 'bl.test'), 'bl.test 192.0.2.1 127.0.0.2 [listed: see http://bl.test/]');
  assert.equal(await check('192.0.2.9', 'bl.test'), 'accept');
  assert.equal(await check('192.0.2.1', 'bl.test=127.0.0.3'), 'accept');
  assert.match(await check('192.0.2.2', 'bl.test=127.0.0.3'), /^bl.test 192.0.2.2 127.0.0.[35], 127.0.0.[35] \[\]$/);
  assert.equal(await check('192.0.2.2', 'bl.test==127.0.0.3'), 'accept');
  assert.notEqual(await check('192.0.2.2', 'bl.test==127.0.0.3,127.0.0.5'), 'accept');
  assert.notEqual(await check('192.0.2.2', 'bl.test&0.0.0.1'), 'accept');
  assert.equal(await check('192.0.2.2', 'bl.test!&0.0.0.1'), 'accept');
  assert.notEqual(await check('192.0.2.2', 'bl.test!=&0.0.0.2'), 'accept');
  assert.equal(await check('192.0.2.3', 'bl.test'), 'accept', 'answers outside 127/8 are ignored');
  assert.equal(await check('192.0.2.9', 'bl.test/<;192.0.2.9;spammer.example'), 'bl.test spammer.example 127.0.0.4 []');
  assert.equal(await check('192.0.2.9', 'nx.invalid : bl.test/192.0.2.1'), 'bl.test 192.0.2.1 127.0.0.2 [listed: see http://bl.test/]');
});
