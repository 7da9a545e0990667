// Callout verification end to end: the callout target is a real tern
// daemon on loopback whose ACLs accept some local parts and refuse others
// (550, 450, MAIL refused for one sender); the checking tern routes every
// domain there with manualroute and is driven through -bhc (host checking
// with callouts, as Exim's -bhc) or, once, as a daemon. What the target's
// main log says (connections, MAIL FROM) shows what was really sent and
// when the cache spared a connection. Expected texts were checked against
// Exim 4.98 (exim4 -bhc against the same kind of target).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, repo, run, startDaemon, type TernDaemon } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { startDnsServer } from '../helpers/dns-server.ts';

let target: TernDaemon;
let deadPort: number;
const dirs: string[] = [];

before(async () => {
  target = await startDaemon({
    config: `
primary_hostname = target.test
log_selector = +smtp_connection
tls_advertise_hosts =
acl_smtp_helo = helo
acl_smtp_mail = mail
acl_smtp_rcpt = rcpt
begin acl
helo:
  warn logwrite = HELO <$sender_helo_name> from [$sender_host_address]
  accept
mail:
  deny senders = refused@src.test
       message = no such sender here
  deny senders = :
       hosts = 127.0.0.6
       message = no bounces
  warn logwrite = MAILFROM <$sender_address>
  accept
rcpt:
  deny local_parts = bad
       message = Unknown user $local_part
  defer local_parts = tmp
       message = try later
  deny local_parts = postmaster
       domains = nopm.test
       message = no postmaster here
  accept local_parts = good : postmaster
  accept local_parts = sendercheck
         senders = s@src.test
  deny local_parts = *-testing
       domains = strict.test
       message = no random here
  accept domains = all.test
  deny message = rejected $local_part
`,
  });
  deadPort = await freePort();
});

after(async () => {
  await target?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A checking configuration: the RCPT ACL's statements, everything routed to the target (dead.test to a closed port). */
function checkerConfig(rcptAcl: string, extra = '', o: { transport?: string; more?: string; acls?: string } = {}): { file: string; spool: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-callout-'));
  dirs.push(dir);
  const spool = path.join(dir, 'spool');
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `
primary_hostname = checker.test
spool_directory = ${spool}
log_file_path = ${dir}/%slog
${extra}
acl_smtp_rcpt = rcpt
begin acl
rcpt:
${rcptAcl}
${o.acls ?? ''}
begin routers
dead:
  driver = manualroute
  domains = dead.test : *.dead.test
  route_list = * 127.0.0.1
  transport = tdead
  self = send
r:
  driver = manualroute
  route_list = * 127.0.0.1
  transport = t
  self = send
begin transports
t:
  driver = smtp
  port = ${target.port}
${o.transport ?? ''}
tdead:
  driver = smtp
  port = ${deadPort}
${o.more ?? ''}
`);
  return { file, spool };
}

interface Session {
  /** SMTP replies to the client. */
  replies: string[];
  /** "LOG: ..." lines (what would be logged). */
  log: string[];
  /** ">>> " trace lines, prefix removed. */
  trace: string[];
}

/** One -bhc (or -bh) session: HELO, MAIL FROM:<sender>, a RCPT per recipient, QUIT. */
async function hostCheck(conf: string, sender: string, rcpts: string[], flag = '-bhc', data?: string, env?: NodeJS.ProcessEnv): Promise<Session> {
  const message = data === undefined ? [] : ['DATA', ...data.split('\n'), '.'];
  const input = ['HELO me.test', `MAIL FROM:<${sender}>`, ...rcpts.map((r) => `RCPT TO:<${r}>`), ...message, 'QUIT', ''].join('\r\n');
  const r = await run(process.execPath, [path.join(repo, 'src/main.ts'), '-C', conf, flag, '10.0.0.1'], { input, timeoutMs: 60_000, env });
  assert.equal(r.code, 0, r.stderr);
  const replies: string[] = [];
  let cur: string[] = [];
  for (const line of r.stdout.split(/\r?\n/)) {
    if (!/^\d{3}[- ]/.test(line)) continue;
    cur.push(line);
    if (line[3] === ' ') {
      replies.push(cur.join('\n'));
      cur = [];
    }
  }
  const err = r.stderr.split('\n');
  return {
    replies: replies.slice(3, 3 + rcpts.length + (data === undefined ? 0 : 2)),
    log: err.filter((l) => l.startsWith('LOG: ')).map((l) => l.slice(5)),
    trace: err.filter((l) => l.startsWith('>>> ')).map((l) => l.slice(4)),
  };
}

/** Connections the target has taken so far. */
function targetConnections(): number {
  return target.log().split('\n').filter((l) => /SMTP connection from \[127\.0\.0\.1\]/.test(l)).length;
}

const HOST = '127.0.0.1 [127.0.0.1]';

describe('recipient callouts', () => {
  it('an accepted recipient passes; a 550 fails with the remote reply; a 451 defers', async () => {
    const { file } = checkerConfig('  require verify = recipient/callout=5s\n  accept');
    const s = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test', 'tmp@x.test']);
    assert.deepEqual(s.replies, [
      '250 Accepted',
      '550-Callout verification failed:\n550 550 Unknown user bad',
      '451 Could not complete recipient verify callout',
    ]);
    assert.ok(s.log.includes(`H=(me.test) [10.0.0.1] F=<s@src.test> rejected RCPT <bad@x.test>: ${HOST} : SMTP error from remote mail server after RCPT TO:<bad@x.test>: 550 Unknown user bad`), s.log.join('\n'));
    assert.ok(s.log.includes(`H=(me.test) [10.0.0.1] F=<s@src.test> temporarily rejected RCPT <tmp@x.test>: Could not complete recipient verify callout: ${HOST} : SMTP error from remote mail server after RCPT TO:<tmp@x.test>: 451 try later`), s.log.join('\n'));
    // The dialogue as Exim traces it, MAIL and RCPT pipelined.
    const at = s.trace.indexOf('  SMTP|> MAIL FROM:<>');
    assert.ok(at > 0, s.trace.join('\n'));
    assert.deepEqual(s.trace.slice(at, at + 4), ['  SMTP|> MAIL FROM:<>', '  SMTP>> RCPT TO:<good@x.test>', '  SMTP<< 250 OK', '  SMTP<< 250 Accepted']);
    assert.ok(s.trace.includes(`Connecting to ${HOST}:${target.port} ...`));
    assert.ok(s.trace.includes('  SMTP>> EHLO checker.test'));
  });

  it('a route_list host with its own port ("host::port") is called there, not at the transport\'s port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-callout-'));
    dirs.push(dir);
    const file = path.join(dir, 'configure');
    fs.writeFileSync(file, [
      'primary_hostname = checker.test', `spool_directory = ${dir}/spool`, `log_file_path = ${dir}/%slog`,
      'acl_smtp_rcpt = rcpt', 'begin acl', 'rcpt:', '  require verify = recipient/callout=5s', '  accept',
      // the transport's port is the dead one; the host item names the live target's
      'begin routers', 'r:', '  driver = manualroute', `  route_list = * 127.0.0.1::${target.port}`, '  transport = t', '  self = send',
      'begin transports', 't:', '  driver = smtp', `  port = ${deadPort}`, '',
    ].join('\n'));
    const s = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test']);
    assert.deepEqual(s.replies, ['250 Accepted', '550-Callout verification failed:\n550 550 Unknown user bad']);
    assert.ok(s.trace.includes(`Connecting to ${HOST}:${target.port} ...`), s.trace.join('\n'));
  });

  it('$acl_verify_message, $recipient_verify_failure, $callout_address, $domain_data and $local_part_data', async () => {
    const { file } = checkerConfig([
      '  warn !verify = recipient/callout=5s,no_cache',
      '       logwrite = AVM <$acl_verify_message> <$recipient_verify_failure> <$callout_address>',
      '  warn logwrite = RVF <$recipient_verify_failure> dd=<$domain_data> lpd=<$local_part_data>',
      '  accept',
    ].join('\n'));
    const s = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test']);
    assert.deepEqual(s.log.filter((l) => /^(AVM|RVF) /.test(l)), [
      'RVF <> dd=<x.test> lpd=<good>',
      `AVM <Callout verification failed:\\n550 Unknown user bad> <recipient> <[127.0.0.1]:${target.port}>`,
      'RVF <recipient> dd=<> lpd=<>',
    ]);
    assert.ok(s.trace.includes('callout cache: disabled by no_cache'));
  });

  it('a dead host defers; defer_ok turns that into success', async () => {
    const { file } = checkerConfig([
      '  accept domains = ok.dead.test',
      '         verify = recipient/callout=2s,defer_ok',
      '  require verify = recipient/callout=2s',
      '  accept',
    ].join('\n'));
    const s = await hostCheck(file, 's@src.test', ['a@ok.dead.test', 'a@dead.test']);
    assert.deepEqual(s.replies, ['250 Accepted', '451 Could not complete recipient verify callout']);
    assert.ok(s.trace.includes('verify defer overridden by callout_defer_ok'), s.trace.join('\n'));
    assert.ok(s.log.some((l) => l.endsWith(`rejected RCPT <a@dead.test>: Could not complete recipient verify callout: ${HOST} : Connection refused`)), s.log.join('\n'));
  });

  it('the cache: a second verification of the same addresses makes no connection, and says why', async () => {
    const { file, spool } = checkerConfig('  require verify = recipient/callout=5s\n  accept');
    const before = targetConnections();
    const first = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test']);
    assert.equal(targetConnections(), before + 2);
    assert.ok(fs.existsSync(path.join(spool, 'db', 'callout.sqlite')));
    const second = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test']);
    assert.equal(targetConnections(), before + 2, 'answered from the cache');
    assert.equal(first.replies[0], '250 Accepted');
    assert.deepEqual(second.replies, ['250 Accepted', '550 Previous (cached) callout verification failure']);
    assert.ok(second.trace.includes('callout cache: address record is positive'));
    assert.ok(second.trace.includes('callout cache: address record is negative'));
    // A temporary answer is never cached.
    const t1 = await hostCheck(file, 's@src.test', ['tmp@x.test', 'tmp@x.test']);
    assert.deepEqual(t1.replies, ['451 Could not complete recipient verify callout', '451 Could not complete recipient verify callout']);
    assert.equal(targetConnections(), before + 4);
  });

  it('random: a domain that takes any local part is remembered and not asked again', async () => {
    const { file } = checkerConfig([
      '  warn !verify = recipient/callout=5s,random',
      '  warn logwrite = RVF <$recipient_verify_failure>',
      '  accept',
    ].join('\n'));
    const before = targetConnections();
    const s = await hostCheck(file, 's@src.test', ['anyone@all.test', 'else@all.test', 'good@strict.test']);
    assert.deepEqual(s.log.filter((l) => l.startsWith('RVF')), ['RVF <random>', 'RVF <random>', 'RVF <>']);
    assert.equal(targetConnections(), before + 2, 'all.test asked once');
    assert.ok(s.trace.includes('callout cache: domain accepts random addresses'));
    assert.ok(s.trace.some((l) => /^ {2}SMTP>> RCPT TO:<checker\.test-\d+-testing@strict\.test>$/.test(l)), 'random local part from callout_random_local_part');
    assert.ok(s.trace.includes('  SMTP>> RSET'), 'the real check follows the rejected random one on the same connection');
    assert.ok(s.trace.includes('  result=1 postmaster=0 random=2'));
  });

  it('postmaster: a domain whose postmaster is refused fails, and the cache remembers it', async () => {
    const { file } = checkerConfig([
      '  warn !verify = recipient/callout=5s,postmaster',
      '       logwrite = AVM <$acl_verify_message> <$recipient_verify_failure>',
      '  accept',
    ].join('\n'));
    const s = await hostCheck(file, 's@src.test', ['good@nopm.test', 'good@x.test', 'good@nopm.test']);
    assert.deepEqual(s.log.filter((l) => l.startsWith('AVM')), [
      'AVM <Callout verification failed:\\n550 no postmaster here> <postmaster>',
      'AVM <(result of earlier verification reused).> <postmaster>',
    ]);
    assert.ok(s.trace.includes('  SMTP>> RCPT TO:<postmaster@x.test>'));
    assert.ok(s.trace.includes('callout cache: domain does not accept RCPT TO:<postmaster@domain>'));
  });

  it('use_sender: the message\'s sender is sent in MAIL; a refused MAIL fails as "mail"', async () => {
    const { file } = checkerConfig([
      '  warn !verify = recipient/callout=5s,use_sender,no_cache',
      '       logwrite = AVM <$acl_verify_message> <$recipient_verify_failure>',
      '  require verify = recipient/callout=5s,use_sender,no_cache',
      '  accept',
    ].join('\n'));
    const ok = await hostCheck(file, 's@src.test', ['sendercheck@x.test']);
    assert.deepEqual(ok.replies, ['250 Accepted']);
    assert.ok(target.log().includes('MAILFROM <s@src.test>'));
    const bad = await hostCheck(file, 'refused@src.test', ['good@x.test']);
    assert.ok(bad.log.includes('AVM <Callout verification failed:\\n550 no such sender here> <mail>'), bad.log.join('\n'));
    assert.deepEqual(bad.replies, ['550-Callout verification failed:\n550 550 no such sender here']);
    assert.ok(bad.log.some((l) => l.endsWith(`rejected RCPT <good@x.test>: ${HOST} : response to "MAIL FROM:<refused@src.test>" was: 550 no such sender here`)), bad.log.join('\n'));
    // Without use_sender the null sender is used, and sendercheck is refused.
    const { file: plain } = checkerConfig('  require verify = recipient/callout=5s,no_cache\n  accept');
    assert.deepEqual((await hostCheck(plain, 's@src.test', ['sendercheck@x.test'])).replies, ['550-Callout verification failed:\n550 550 rejected sendercheck']);
  });

  it('use_tptsender: the transport\'s return_path stands in for the sender', async () => {
    const { file } = checkerConfig('  require verify = recipient/callout=5s,use_tptsender,no_cache\n  accept', '', {
      transport: '  return_path = tpt-${local_part}@src.test',
    });
    const s = await hostCheck(file, 'somebody@src.test', ['good@x.test']);
    assert.deepEqual(s.replies, ['250 Accepted']);
    assert.ok(s.trace.includes('  SMTP|> MAIL FROM:<tpt-good@src.test>'), s.trace.join('\n'));
  });

  it('-bh skips the callout (and says so); -bhc makes it', async () => {
    const { file } = checkerConfig('  require verify = recipient/callout=5s\n  accept');
    const before = targetConnections();
    const s = await hostCheck(file, 's@src.test', ['bad@x.test'], '-bh');
    assert.deepEqual(s.replies, ['250 Accepted']);
    assert.ok(s.trace.includes('... callout omitted by default when host testing'));
    assert.ok(s.trace.includes('(Use -bhc if you want the callouts to happen.)'));
    assert.equal(targetConnections(), before);
  });
});

describe('where the callout goes', () => {
  it('hosts are tried in order until one answers; maxwait stops the list when the time is up', async () => {
    // The transport's hosts override the router's (a router drops a local host that is not first).
    // 127.0.0.2 has nothing listening on the target's port: refused at once, then 127.0.0.1 answers.
    const hosts = (list: string): { transport: string } => ({ transport: `  hosts = ${list}\n  hosts_override` });
    const { file } = checkerConfig('  require verify = recipient/callout=5s,no_cache\n  accept', '', hosts('127.0.0.2 : 127.0.0.1'));
    const s = await hostCheck(file, 's@src.test', ['good@x.test', 'bad@x.test']);
    assert.deepEqual(s.replies, ['250 Accepted', '550-Callout verification failed:\n550 550 Unknown user bad']);
    assert.ok(s.trace.includes(`Connecting to 127.0.0.2 [127.0.0.2]:${target.port} ...`));
    assert.ok(s.trace.includes('failed: Connection refused'));
    // A first host that never answers (a silent listener: the fault a real MTA will not give on demand).
    const silent = net.createServer((sock) => sock.on('error', () => {}));
    await new Promise<void>((r) => silent.listen(target.port, '127.0.0.3', r));
    try {
      const { file: slow } = checkerConfig('  require verify = recipient/callout=2s,maxwait=1s,no_cache\n  accept', '', hosts('127.0.0.3 : 127.0.0.1'));
      const t = await hostCheck(slow, 's@src.test', ['good@x.test']);
      assert.deepEqual(t.replies, ['451 Could not complete recipient verify callout']);
      assert.ok(t.log.some((l) => l.endsWith('Could not complete recipient verify callout: 127.0.0.3 [127.0.0.3] : SMTP timeout after initial connection')), t.log.join('\n'));
      const { file: patient } = checkerConfig('  require verify = recipient/callout=1s,no_cache\n  accept', '', hosts('127.0.0.3 : 127.0.0.1'));
      assert.deepEqual((await hostCheck(patient, 's@src.test', ['good@x.test'])).replies, ['250 Accepted']);
    } finally {
      await new Promise((r) => silent.close(r));
    }
  });

  it('the transport\'s interface and helo_data are used; without hosts from the router, the transport\'s hosts', async () => {
    const { file } = checkerConfig('  require verify = recipient/callout=5s,no_cache\n  accept', '', {
      transport: '  interface = 127.0.0.5\n  helo_data = helo-$domain',
      more: `viahosts:\n  driver = smtp\n  hosts = 127.0.0.1\n  port = ${target.port}\n  helo_data = from-transport-hosts`,
    });
    // A router without hosts whose smtp transport names them.
    const withAccept = fs.readFileSync(file, 'utf8').replace('begin routers\n', 'begin routers\nbyaccept:\n  driver = accept\n  domains = acc.test\n  transport = viahosts\n');
    fs.writeFileSync(file, withAccept);
    const s = await hostCheck(file, 's@src.test', ['good@x.test', 'good@acc.test']);
    assert.deepEqual(s.replies, ['250 Accepted', '250 Accepted']);
    await target.waitForLog(/HELO <helo-x\.test> from \[127\.0\.0\.5\]/);
    await target.waitForLog(/HELO <from-transport-hosts> from \[127\.0\.0\.1\]/);
  });
});

describe('hosts from MX records', () => {
  it('the MX hosts are called in preference order (dnslookup, real BIND)', async () => {
    // A second target on 127.0.0.9 (not an interface of this host, so not "self"); 127.0.0.8 has nothing listening.
    const port = await freePort();
    const mxTarget = await startDaemon({
      config: 'primary_hostname = mx-target.test\ntls_advertise_hosts =\nacl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n  deny local_parts = bad\n  accept',
      args: ['-oX', `<; 127.0.0.9.${port}`],
    });
    const dns = await startDnsServer([{ name: 'mx.test', records: ['@ MX 20 second', '@ MX 10 first', 'first A 127.0.0.8', 'second A 127.0.0.9'] }]);
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-callout-mx-'));
      dirs.push(dir);
      const file = path.join(dir, 'configure');
      fs.writeFileSync(file, [
        'primary_hostname = checker.test', `spool_directory = ${dir}/spool`, 'acl_smtp_rcpt = rcpt',
        'begin acl', 'rcpt:', '  require verify = recipient/callout=5s', '  accept',
        'begin routers', 'nores:', '  driver = accept', '  domains = nores.test', '  transport = tnores',
        'mx:', '  driver = dnslookup', '  transport = t',
        'begin transports', 't:', '  driver = smtp', `  port = ${port}`,
        'tnores:', '  driver = smtp', '  hosts = nohost.mx.test', '',
      ].join('\n'));
      const s = await hostCheck(file, 's@src.test', ['good@mx.test', 'bad@mx.test', 'a@nores.test'], '-bhc', undefined, { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` });
      // A host without an address is no success: the callout defers.
      assert.deepEqual(s.replies, ['250 Accepted', '550-Callout verification failed:\n550 550 Administrative prohibition', '451 Could not complete recipient verify callout']);
      assert.ok(s.log.some((l) => l.endsWith('rejected RCPT <a@nores.test>: Could not complete recipient verify callout: no IP address found for host nohost.mx.test')), s.log.join('\n'));
      const connecting = s.trace.filter((l) => l.startsWith('Connecting to ') || l.startsWith('failed: '));
      assert.deepEqual(connecting.slice(0, 3), [
        `Connecting to first.mx.test [127.0.0.8]:${port} ...`,
        'failed: Connection refused',
        `Connecting to second.mx.test [127.0.0.9]:${port} ...`,
      ]);
    } finally {
      await Promise.all([mxTarget.stop(), dns.stop()]);
    }
  });
});

describe('sender callouts', () => {
  it('a refused sender: details to the client, the reason to the log', async () => {
    const { file } = checkerConfig([
      '  warn !verify = sender/callout=5s,no_cache',
      '       logwrite = SVM <$acl_verify_message> <$sender_verify_failure>',
      '  require verify = sender/callout=5s',
      '  accept',
    ].join('\n'));
    const s = await hostCheck(file, 'bad@x.test', ['a@y.test', 'b@y.test']);
    // The first RCPT's require made the callout (the warn's no_cache left nothing in the
    // cache); the second's found the failure in the callout cache, so the details are Exim's
    // words for that, and the log line has none (Exim 4.98 does the same).
    assert.deepEqual(s.replies, [[
      '550-Verification failed for <bad@x.test>',
      '550-Called:   127.0.0.1',
      '550-Sent:     RCPT TO:<bad@x.test>',
      '550-Response: 550 Unknown user bad',
      '550 Sender verify failed',
    ].join('\n'), [
      '550-Verification failed for <bad@x.test>',
      '550-Previous (cached) callout verification failure',
      '550 Sender verify failed',
    ].join('\n')]);
    assert.deepEqual(s.log.filter((l) => !l.startsWith('Warning')), [
      'SVM <Sender verify failed> <recipient>',
      `H=(me.test) [10.0.0.1] sender verify fail for <bad@x.test>: ${HOST} : SMTP error from remote mail server after RCPT TO:<bad@x.test>: 550 Unknown user bad`,
      'H=(me.test) [10.0.0.1] F=<bad@x.test> rejected RCPT <a@y.test>: Sender verify failed',
      'SVM <Sender verify failed> <recipient>',
      'H=(me.test) [10.0.0.1] sender verify fail for <bad@x.test>',
      'H=(me.test) [10.0.0.1] F=<bad@x.test> rejected RCPT <b@y.test>: Sender verify failed',
    ]);
  });

  it('a domain that refuses bounces or its postmaster: Exim\'s explanations, also when the cache answers', async () => {
    const { file } = checkerConfig('  require verify = sender/callout=5s,postmaster\n  accept', '', {
      // The target refuses MAIL FROM:<> from 127.0.0.6: the callouts for nobounce.test come from there.
      more: `tnb:\n  driver = smtp\n  port = ${target.port}\n  interface = 127.0.0.6`,
    });
    const routed = fs.readFileSync(file, 'utf8').replace('begin routers\n', 'begin routers\nnb:\n  driver = manualroute\n  domains = nobounce.test\n  route_list = * 127.0.0.1\n  transport = tnb\n  self = send\n');
    fs.writeFileSync(file, routed);
    const pm = await hostCheck(file, 'good@nopm.test', ['a@y.test', 'b@y.test']);
    const pmTrailer = [
      '550-Several RFCs state that you are required to have a postmaster',
      '550-mailbox for each mail domain. This host does not accept mail',
      '550-from domains whose servers reject the postmaster address.',
      '550 Sender verify failed',
    ];
    assert.deepEqual(pm.replies, [[
      '550-Postmaster verification failed while checking <good@nopm.test>',
      '550-Called:   127.0.0.1',
      '550-Sent:     RCPT TO:<postmaster@nopm.test>',
      '550-Response: 550 no postmaster here',
      ...pmTrailer,
    ].join('\n'), ['550-Postmaster verification failed while checking <good@nopm.test>', '550-(result of earlier verification reused).', ...pmTrailer].join('\n')]);
    const nb = await hostCheck(file, 'good@nobounce.test', ['a@y.test', 'b@y.test']);
    const setupTrailer = [
      '550-The initial connection, or a HELO or MAIL FROM:<> command was',
      '550-rejected. Refusing MAIL FROM:<> does not help fight spam, disregards',
      '550-RFC requirements, and stops you from receiving standard bounce',
      '550-messages. This host does not accept mail from domains whose servers',
      '550-refuse bounces.',
      '550 Sender verify failed',
    ];
    assert.deepEqual(nb.replies, [[
      '550-Callback setup failed while verifying <good@nobounce.test>',
      '550-Called:   127.0.0.1',
      '550-Sent:     MAIL FROM:<>',
      '550-Response: 550 no bounces',
      ...setupTrailer,
    ].join('\n'), ['550-Callback setup failed while verifying <good@nobounce.test>', '550-(result of an earlier callout reused).', ...setupTrailer].join('\n')]);
    assert.ok(nb.log.includes(`H=(me.test) [10.0.0.1] sender verify fail for <good@nobounce.test>: ${HOST} : response to "MAIL FROM:<>" was: 550 no bounces`), nb.log.join('\n'));
  });

  it('a sender the host answers 451 for: 451 to the client, the defer logged with details', async () => {
    const { file } = checkerConfig('  require verify = sender/callout=5s\n  accept');
    const s = await hostCheck(file, 'tmp@x.test', ['a@y.test']);
    assert.deepEqual(s.replies, ['451 Could not complete sender verify callout']);
    assert.ok(s.log.includes(`H=(me.test) [10.0.0.1] sender verify defer for <tmp@x.test>: Could not complete sender verify callout: ${HOST} : SMTP error from remote mail server after RCPT TO:<tmp@x.test>: 451 try later`), s.log.join('\n'));
  });
});

describe('header sender callouts', () => {
  it('mailfrom= gives the MAIL FROM for checking addresses of From:', async () => {
    const { file } = checkerConfig('  accept', 'acl_smtp_data = data', {
      acls: 'data:\n  require verify = header_sender/callout=5s,no_cache,mailfrom=s@src.test\n  accept',
    });
    const ok = await hostCheck(file, '', ['a@y.test'], '-bhc', 'From: <sendercheck@x.test>\nSubject: hi\n\nbody');
    assert.equal(ok.replies[1], '354 Enter message, ending with "." on a line by itself');
    assert.match(ok.replies[2], /^250 OK id=/);
    const bad = await hostCheck(file, '', ['a@y.test'], '-bhc', 'From: <bad@x.test>\nSubject: hi\n\nbody');
    assert.match(bad.replies[2], /^550 /);
    assert.ok(bad.trace.includes('  SMTP|> MAIL FROM:<s@src.test>'), bad.trace.join('\n'));
  });
});

describe('a checking daemon', () => {
  it('rejects a recipient that the callout target refuses, accepts one it takes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-callout-d-'));
    dirs.push(dir);
    const checker = await startDaemon({
      config: `
primary_hostname = checker.test
tls_advertise_hosts =
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  require verify = recipient/callout=5s
  accept
begin routers
r:
  driver = manualroute
  route_list = * 127.0.0.1
  transport = t
  self = send
begin transports
t:
  driver = smtp
  port = ${target.port}
`,
    });
    try {
      const c = await SmtpClient.connect(checker.port);
      await c.reply();
      await c.command('EHLO me.test');
      await c.command('MAIL FROM:<s@src.test>');
      assert.equal((await c.command('RCPT TO:<good@x.test>')).raw, '250 Accepted');
      assert.equal((await c.command('RCPT TO:<bad@x.test>')).raw, '550-Callout verification failed:\n550 550 Unknown user bad');
      await c.command('QUIT');
      c.close();
      await checker.waitForLog(/rejected RCPT <bad@x\.test>: 127\.0\.0\.1 \[127\.0\.0\.1\] : SMTP error from remote mail server after RCPT TO:<bad@x\.test>: 550 Unknown user bad/);
    } finally {
      await checker.stop();
    }
  });
});
