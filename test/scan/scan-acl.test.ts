// spam = and malware = in acl_smtp_data, against real spamd and clamd on
// loopback (test/scan/scanners.ts), driving `tern -bs` and, once, the
// daemon. The expectations (replies, variables, log lines) are what
// Exim 4.98 gives for the same configurations (checked by running this
// file with TERN_INTEG_PROGRAM=exim4).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, startDaemon, ternSetup, type TernSetup } from '../helpers/tern-daemon.ts';
import { SmtpClient } from '../helpers/smtp-client.ts';
import { CLAMD, CLAMD_TEST_NAME, CLAMD_TEST_PATTERN, missing, RSPAMD, SPAMD, startClamd, startRspamd, startSpamd, type Scanner } from './scanners.ts';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function session(body: string, headers = 'Subject: test\nFrom: a@b.example\nTo: c@d.example\n'): string {
  return `HELO x\nMAIL FROM:<a@b.example>\nRCPT TO:<c@d.example>\nDATA\n${headers}\n${body}\n.\nQUIT\n`;
}

/** A setup whose acl_smtp_data is dataAcl (plus accept), with main options opts. */
function setup(opts: string, dataAcl: string): TernSetup {
  return ternSetup({
    config: [
      'primary_hostname = mx.example.com', 'keep_environment =', 'queue_only',
      'acl_smtp_rcpt = acl_rcpt', 'acl_smtp_data = acl_data', opts,
      'begin acl', 'acl_rcpt:', '  accept', 'acl_data:', dataAcl, '  accept', '',
    ].join('\n'),
  });
}

/** Run one -bs session (asynchronously: the scanners in this process keep running); returns the reply to the message. */
async function deliver(t: TernSetup, body: string, headers?: string): Promise<string> {
  const r = await run(t.bin, ['-C', t.configPath, '-bs'], { input: session(body, headers), env: t.env, timeoutMs: 60_000 });
  const lines = r.stdout.split(/\r?\n/);
  const data = lines.findIndex((l) => l.startsWith('354'));
  assert.ok(data > 0, `no 354 in:\n${r.stdout}\n${r.stderr}\n${t.log('panic')}`);
  return lines[data + 1];
}

/** Main log lines without time stamp and message id. */
function mainlog(t: TernSetup): string[] {
  return t.log().split('\n').filter((l) => l !== '').map((l) => l.replace(/^\S+ \S+ (\S{23} )?/, ''));
}

const using: TernSetup[] = [];
function use(t: TernSetup): TernSetup {
  using.push(t);
  return t;
}
after(() => {
  for (const t of using) t.remove();
});

describe('spam = with SpamAssassin spamd', { skip: missing(SPAMD) }, () => {
  let spamd: Scanner;
  before(async () => {
    spamd = await startSpamd();
  });
  after(async () => {
    await spamd?.stop();
  });
  const addr = (): string => `spamd_address = 127.0.0.1 ${spamd.port}`;

  test('GTUBE is spam: the variables as Exim formats them', async () => {
    // (a reply line longer than 78 characters would be wrapped)
    const t = use(setup(addr(), '  deny spam = nobody\n       message = $spam_action $spam_score $spam_score_int $spam_bar'));
    const reply = await deliver(t, GTUBE);
    const m = /^550 reject (\d+\.\d) (\d+) (\+*)$/.exec(reply);
    assert.ok(m, reply);
    const score = Number(m[1]);
    assert.ok(score >= 1000, reply);
    assert.equal(m[2], String(Math.trunc(score * 10 + 0.01)));
    // Exim's bar stops at 51 characters
    assert.equal(m[3].length, 51);
    assert.match(mainlog(t).join('\n'), /rejected after DATA: reject 1\d{3}\.\d /);
  });

  test('a plain message is not spam; :true makes the condition true and $spam_report a header-ready text', async () => {
    const t = use(setup(addr(), [
      '  warn spam = nobody:true',
      '       logwrite = S=$spam_score I=$spam_score_int B=$spam_bar A=$spam_action',
      '       logwrite = R=$spam_report',
      '  deny spam = nobody',
      '       message = spam',
    ].join('\n')));
    const reply = await deliver(t, 'Just a short note about lunch tomorrow.');
    assert.match(reply, /^250 OK id=/);
    const log = mainlog(t);
    // score, integer score and bar are kept in the -H file (-spam_bar, -spam_score, -spam_score_int), as Exim keeps them
    const spooled = t.readMessage(/id=(\S+)/.exec(reply)![1]).header;
    assert.ok(log.includes(`S=${spooled.spamScore} I=${spooled.spamScoreInt} B=${spooled.spamBar} A=no action`), JSON.stringify(spooled));
    const vars = log.find((l) => l.startsWith('S='));
    assert.ok(vars, log.join('\n'));
    const m = /^S=(-?\d+\.\d) I=(-?\d+) B=(\S+) A=no action$/.exec(vars);
    assert.ok(m, vars);
    const score = Number(m[1]);
    assert.ok(score < 5);
    const whole = Math.trunc(Math.abs(score));
    assert.equal(m[3], whole === 0 ? '/' : (score > 0 ? '+' : '-').repeat(whole));
    const report = log.find((l) => l.startsWith('R='));
    // each newline of the report is followed by a space (the log shows newlines as \n)
    assert.match(report ?? '', /^R=Spam detection software.*\\n [^\\]/);
    assert.doesNotMatch(report ?? '', /\\r|\\n(?! )|\s$/);
  });

  test('over a Unix socket, the first server that answers is used', async () => {
    const down = await freePort();
    const t = use(setup(`spamd_address = 127.0.0.1 ${down} pri=9 : ${spamd.socket}`, '  deny spam = nobody\n       message = spam $spam_score'));
    assert.match(await deliver(t, GTUBE), /^550 spam 1\d{3}\.\d$/);
    assert.equal(mainlog(t)[0], 'spam acl condition: spamd: failed to connect to any address for 127.0.0.1: Connection refused');
  });

  test('inside ${acl} in an expansion (the scan waits there too)', async () => {
    const t = use(setup(addr(), [
      '  warn logwrite = via acl: ${acl{scan}}',
      '  accept',
      'scan:',
      '  accept spam = nobody',
      '         message = spam $spam_score',
      '  deny message = ham $spam_score',
    ].join('\n')));
    assert.match(await deliver(t, GTUBE), /^250 /);
    assert.ok(mainlog(t).some((l) => /^via acl: spam 1\d{3}\.\d$/.test(l)), t.log());
  });

  test('the answer is kept for the message: the same user is not scanned twice', async () => {
    const before = (spamd.output().match(/checking message/g) ?? []).length;
    const t = use(setup(addr(), [
      '  warn spam = nobody:true',
      '  warn spam = nobody',
      '       logwrite = second: spam',
      '  warn !spam = nobody',
      '       logwrite = third: not spam $spam_score',
    ].join('\n')));
    assert.match(await deliver(t, 'Hello again.'), /^250 /);
    assert.ok(mainlog(t).some((l) => /^third: not spam -?\d/.test(l)), t.log());
    // spamd logs each message it checks; give its log a moment to arrive
    const until = Date.now() + 5000;
    let seen = 0;
    while (Date.now() < until) {
      seen = (spamd.output().match(/checking message/g) ?? []).length - before;
      if (seen > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(seen, 1);
  });

  test('the scan directory goes after the DATA ACL, or stays with control = no_mbox_unspool', async () => {
    const t = use(setup(addr(), '  warn spam = nobody:true'));
    assert.match(await deliver(t, 'First.'), /^250 /);
    assert.deepEqual(fs.readdirSync(path.join(t.spoolDir, 'scan')), []);
    const kept = use(setup(addr(), '  warn control = no_mbox_unspool\n  warn spam = nobody:true'));
    const reply = await deliver(kept, 'Second.\n..dotted');
    const id = /id=(\S+)/.exec(reply)![1];
    const eml = fs.readFileSync(path.join(kept.spoolDir, 'scan', id, `${id}.eml`), 'latin1');
    assert.match(eml, /^From MAILER-DAEMON \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nX-Envelope-From: <a@b\.example>\nX-Envelope-To: c@d\.example\nReceived: /);
    assert.match(eml, /\nSubject: test\n[^]*\n\nSecond\.\n\.dotted\n$/);
  });
});

describe('spam = with Rspamd (variant=rspamd)', { skip: missing(RSPAMD) }, () => {
  let rspamd: Scanner;
  before(async () => {
    rspamd = await startRspamd();
  });
  after(async () => {
    await rspamd?.stop();
  });

  test('GTUBE: Rspamd\'s action and its report, which starts with the Action: line', async () => {
    const t = use(setup(`spamd_address = 127.0.0.1 ${rspamd.port} variant=rspamd`, [
      '  warn spam = nobody:true',
      '       logwrite = S=$spam_score I=$spam_score_int B=$spam_bar A=$spam_action',
      '       logwrite = R=$spam_report',
      '  deny spam = nobody',
      '       message = spam: $spam_action',
    ].join('\n')));
    assert.equal(await deliver(t, GTUBE), '550 spam: reject');
    const log = mainlog(t);
    assert.ok(log.includes('S=15.0 I=150 B=+++++++++++++++ A=reject'), log.join('\n'));
    assert.ok(log.some((l) => l.startsWith('R=Action: reject\\n Symbol: GTUBE(0.00)\\n ')), log.join('\n'));
  });

  test('an action with a space in it (a plain message is "add header" or "no action" to Rspamd)', async () => {
    const t = use(setup(`spamd_address = 127.0.0.1 ${rspamd.port} variant=rspamd`, '  warn spam = nobody:true\n       logwrite = A=$spam_action'));
    assert.match(await deliver(t, 'hello there'), /^250 /);
    assert.ok(mainlog(t).some((l) => /^A=(no action|add header|greylist|rewrite subject)$/.test(l)), t.log());
  });
});

describe('spam = when spamd cannot be reached', () => {
  test('defers (451) with Exim\'s log lines; /defer_ok passes; "0" does not scan', async () => {
    const port = await freePort();
    const t = use(setup(`spamd_address = 127.0.0.1 ${port} : 127.0.0.1 ${port}`, '  deny spam = nobody\n       message = spam'));
    assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
    const failed = 'spam acl condition: spamd: failed to connect to any address for 127.0.0.1: Connection refused';
    assert.deepEqual(mainlog(t).slice(0, 3), [failed, failed, 'spam acl condition: all spamd servers failed']);
    assert.match(t.log('panic'), /spam acl condition: all spamd servers failed\n$/);

    const ok = use(setup(`spamd_address = 127.0.0.1 ${port}`, '  deny spam = nobody/defer_ok\n       message = spam'));
    assert.match(await deliver(ok, 'x'), /^250 OK id=/);

    const zero = use(setup(`spamd_address = 127.0.0.1 ${port}`, '  deny spam = 0\n       message = spam\n  deny spam = false\n       message = spam'));
    assert.match(await deliver(zero, 'x'), /^250 OK id=/);
    assert.ok(!zero.log().includes('spam acl condition'), zero.log());
  });

  test('a server that never answers is given up after its tmo= (a listener that reads nothing)', async () => {
    const open = new Set<net.Socket>();
    const silent = net.createServer((c) => open.add(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t = use(setup(`spamd_address = 127.0.0.1 ${port} tmo=1s`, '  deny spam = nobody\n       message = spam'));
      const started = Date.now();
      assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
      assert.ok(Date.now() - started < 15_000);
      assert.equal(mainlog(t)[0], `spam acl condition: error reading from spamd [127.0.0.1]:${port}, socket: Connection timed out`);
      assert.match(t.log('panic'), /error reading from spamd/);
    } finally {
      for (const c of open) c.destroy();
      silent.close();
    }
  });
});

test('an answer that is not spamd\'s defers: "cannot parse" (a listener that answers nonsense)', async () => {
  const liar = net.createServer((c) => {
    c.on('data', () => undefined);
    c.on('end', () => c.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
  });
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
  const port = (liar.address() as net.AddressInfo).port;
  try {
    const t = use(setup(`spamd_address = 127.0.0.1 ${port}`, '  deny spam = nobody\n       message = spam'));
    assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
    assert.equal(mainlog(t)[0], `spam acl condition: cannot parse spamd [127.0.0.1]:${port} output`);
  } finally {
    liar.close();
  }
});

describe('malware = with ClamAV clamd', { skip: missing(CLAMD) }, () => {
  let clamd: Scanner;
  before(async () => {
    clamd = await startClamd();
  });
  after(async () => {
    await clamd?.stop();
  });
  const deny = '  deny malware = *\n       message = malware found: $malware_name';
  const infected = `Please open the attachment.\n${CLAMD_TEST_PATTERN}\n`;

  test('through the Unix socket (SCAN of the .eml): found, and clean', async () => {
    const t = use(setup(`av_scanner = clamd:${clamd.socket}`, deny));
    assert.equal(await deliver(t, infected), `550 malware found: ${CLAMD_TEST_NAME}`);
    assert.match(await deliver(t, 'Nothing to see here.'), /^250 OK id=/);
  });

  test('over TCP (zINSTREAM): found; a name that does not match the expression is false but still in $malware_name', async () => {
    const t = use(setup(`av_scanner = clamd:127.0.0.1 ${clamd.port}`, [
      '  deny malware = Eicar.*/tmo=30s',
      '       message = eicar',
      '  warn logwrite = name=$malware_name at $callout_address',
      deny,
    ].join('\n')));
    assert.equal(await deliver(t, infected), `550 malware found: ${CLAMD_TEST_NAME}`);
    assert.ok(mainlog(t).includes(`name=${CLAMD_TEST_NAME} at [127.0.0.1]:${clamd.port}`), t.log());
    // "local": the TCP server shares our file system, and is given the path (SCAN)
    const local = use(setup(`av_scanner = clamd:127.0.0.1 ${clamd.port}:local`, deny));
    assert.equal(await deliver(local, infected), `550 malware found: ${CLAMD_TEST_NAME}`);
  });

  test('the generic sock scanner: a small daemon that is sent the path of the .eml', async () => {
    // the scanner: reads "<path>\n", answers "VIRUS <name>" or "CLEAN"
    const daemon = net.createServer((c) => {
      let line = '';
      c.on('data', (d: Buffer) => {
        line += d.toString('latin1');
        if (!line.endsWith('\n')) return;
        const text = fs.readFileSync(line.trimEnd(), 'latin1');
        c.end(text.includes(CLAMD_TEST_PATTERN) ? 'VIRUS Tern.Sock.Test\n' : 'CLEAN\n');
      });
    });
    await new Promise<void>((r) => daemon.listen(0, '127.0.0.1', r));
    try {
      const port = (daemon.address() as net.AddressInfo).port;
      const t = use(setup(`av_scanner = sock:127.0.0.1 ${port} : : ^VIRUS : VIRUS (\\S+)`, deny));
      assert.equal(await deliver(t, infected), '550 malware found: Tern.Sock.Test');
      assert.match(await deliver(t, 'clean'), /^250 /);
    } finally {
      daemon.close();
    }
  });

  test('av_scanner = $acl_m0 chooses the scanner each time', async () => {
    const t = use(setup('av_scanner = $acl_m0', [
      `  warn set acl_m0 = clamd:127.0.0.1 ${await freePort()}`,
      '       malware = */defer_ok',
      `  deny set acl_m0 = clamd:${clamd.socket}`,
      '       malware = *',
      '       message = second scanner: $malware_name',
    ].join('\n')));
    assert.equal(await deliver(t, infected), `550 second scanner: ${CLAMD_TEST_NAME}`);
  });
});

describe('malware = when the scanner fails, and the cmdline scanner', () => {
  test('clamd down: defer with Exim\'s log lines; /defer_ok passes and sets $av_failed', async () => {
    const port = await freePort();
    const t = use(setup(`av_scanner = clamd:127.0.0.1 ${port}`, '  deny malware = *\n       message = mal'));
    assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
    assert.deepEqual(mainlog(t).slice(0, 2), [
      `malware acl condition: clamd [127.0.0.1]:${port} : failed to connect to any address for 127.0.0.1: Connection refused`,
      'malware acl condition: clamd  : all servers failed',
    ]);
    const sock = path.join(t.dir, 'nonexistent.sock');
    const ok = use(setup(`av_scanner = clamd:${sock}`, '  deny malware = */defer_ok\n       message = mal\n  warn logwrite = av_failed=$av_failed'));
    assert.match(await deliver(ok, 'x'), /^250 OK id=/);
    assert.deepEqual(mainlog(ok).slice(0, 2), [
      `malware acl condition: clamd ${sock} : unable to connect to UNIX socket (${sock}): No such file or directory`,
      'av_failed=1',
    ]);
    assert.match(ok.log('panic'), /unable to connect to UNIX socket/);
  });

  test('configuration mistakes defer, with Exim\'s texts', async () => {
    const cases: [string, string, string][] = [
      ['nosuch:/x', '*', "malware acl condition: unknown scanner type 'nosuch'"],
      ['cmdline:/bin/true %s', '*', 'malware acl condition: cmdline  : missing trigger specification'],
      ['cmdline:/bin/true %s:found(:(.+)', '*', 'malware acl condition: cmdline  : regular expression error in "found(": missing closing parenthesis at offset 6'],
      ['cmdline:/bin/true %s:found:(.+)', 'Tern(', 'malware acl condition: regular expression error in "Tern(": missing closing parenthesis at offset 5'],
    ];
    for (const [scanner, re, line] of cases) {
      const t = use(setup(`av_scanner = ${scanner}`, `  deny malware = ${re}\n       message = mal`));
      assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
      assert.equal(mainlog(t)[0], line);
    }
    const t = use(setup('av_scanner = cmdline:/bin/true %s:found:(.+)', '  deny malware = */tmo=soon\n       message = mal'));
    assert.equal(await deliver(t, 'x'), '451 Temporary local problem - please try later');
    assert.match(mainlog(t)[0], /temporarily rejected after DATA: bad timeout value in 'tmo=soon'$/);
  });

  test('cmdline: %s is the scan directory; trigger and name expressions read the output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-cmdline-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const script = path.join(dir, 'scanner.sh');
    fs.writeFileSync(script, [
      '#!/bin/sh',
      'echo "scanning $1"',
      `if grep -rq ${CLAMD_TEST_PATTERN} "$1"; then echo "$1/x: Virus 'Tern.Cmdline.Test' found in file" >&2; fi`,
      'exit ${EXIT:-0}',
      '',
    ].join('\n'), { mode: 0o755 });
    const t = use(setup(`av_scanner = cmdline:${script} %s:found in file:'(.+)'`, [
      '  warn malware = *',
      '       logwrite = first [$malware_name] ${run{/bin/ls $spool_directory/scan/$message_exim_id}}',
      '  deny malware = Tern',
      '       message = mal $malware_name',
    ].join('\n')));
    const reply = await deliver(t, `x\n${CLAMD_TEST_PATTERN}\n`);
    assert.equal(reply, '550 mal Tern.Cmdline.Test');
    const first = mainlog(t).find((l) => l.startsWith('first'));
    assert.match(first ?? '', /^first \[Tern\.Cmdline\.Test\] (\S+)\.eml\\n\1_scanner_output\\n$/);
    assert.match(await deliver(t, 'clean'), /^250 OK id=/);

    // acl_not_smtp scans a locally submitted message the same way
    const local = use(ternSetup({
      config: [
        'primary_hostname = mx.example.com', 'keep_environment =', 'queue_only', 'acl_not_smtp = acl_local',
        `av_scanner = cmdline:${script} %s:found in file:'(.+)'`,
        'begin acl', 'acl_local:', '  deny malware = *', '       message = local mal $malware_name', '  accept', '',
      ].join('\n'),
    }));
    const refused = await run(local.bin, ['-C', local.configPath, '-odq', 'c@d.example'], { input: `Subject: x\n\n${CLAMD_TEST_PATTERN}\n`, env: local.env });
    assert.equal(refused.code, 1);
    assert.match(local.log(), /rejected by non-SMTP ACL: local mal Tern\.Cmdline\.Test/);
    const taken = await run(local.bin, ['-C', local.configPath, '-odq', 'c@d.example'], { input: 'Subject: x\n\nclean\n', env: local.env });
    assert.equal(taken.code, 0, taken.stderr);
    assert.deepEqual(fs.readdirSync(path.join(local.spoolDir, 'scan')), []);

    // one that takes longer than tmo= is stopped, and the condition defers
    const slow = path.join(dir, 'slow.sh');
    fs.writeFileSync(slow, '#!/bin/sh\nsleep 5\n', { mode: 0o755 });
    const late = use(setup(`av_scanner = cmdline:${slow} %s:found:(.+)`, '  deny malware = */tmo=1s\n       message = mal'));
    const started = Date.now();
    assert.equal(await deliver(late, 'x'), '451 Temporary local problem - please try later');
    assert.ok(Date.now() - started < 20_000);
    assert.match(mainlog(late)[0], /^malware acl condition: cmdline {2}: unable to read from scanner \(\S+slow\.sh \S+\/scan\/\S+ 2>&1\): Connection timed out$/);

    // a scanner that fails (here: exits 3) defers, whatever it printed
    const failing = use(setup(`av_scanner = cmdline:EXIT=3 ${script} %s:found in file:'(.+)'`, '  deny malware = *\n       message = mal'));
    assert.equal(await deliver(failing, `x\n${CLAMD_TEST_PATTERN}\n`), '451 Temporary local problem - please try later');
    assert.equal(mainlog(failing)[0], 'malware acl condition: cmdline  : scanner returned error code: 768');
  });
});

describe('through the daemon', { skip: missing(SPAMD) || missing(CLAMD) }, () => {
  test('spam and malware in one DATA ACL over SMTP', async () => {
    // if one scanner fails to start, the other is stopped: a running child would keep the test process alive
    const started = await Promise.allSettled([startSpamd(), startClamd()]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
      throw failed.reason;
    }
    const [spamd, clamd] = started.map((r) => (r as PromiseFulfilledResult<Scanner>).value);
    const d = await startDaemon({
      config: [
        'primary_hostname = mx.example.com', 'keep_environment =', 'queue_only',
        `spamd_address = 127.0.0.1 ${spamd.port}`, `av_scanner = clamd:${clamd.socket}`,
        'acl_smtp_rcpt = acl_rcpt', 'acl_smtp_data = acl_data',
        'begin acl', 'acl_rcpt:', '  accept', 'acl_data:',
        '  deny malware = *', '       message = malware: $malware_name',
        '  deny spam = nobody', '       message = spam score $spam_score', '  accept', '',
      ].join('\n'),
    });
    try {
      const c = await SmtpClient.connect(d.port);
      assert.equal((await c.reply())!.code, 220);
      await c.command('EHLO client.example');
      const send = async (body: string): Promise<string> => {
        assert.equal((await c.command('MAIL FROM:<a@b.example>')).code, 250);
        assert.equal((await c.command('RCPT TO:<c@d.example>')).code, 250);
        assert.equal((await c.command('DATA')).code, 354);
        return (await c.command(`Subject: t\r\n\r\n${body}\r\n.`)).raw;
      };
      assert.equal(await send(CLAMD_TEST_PATTERN), `550 malware: ${CLAMD_TEST_NAME}`);
      assert.match(await send(GTUBE), /^550 spam score 1\d{3}\.\d$/);
      assert.match(await send('A clean message.'), /^250 OK id=/);
      await c.command('QUIT');
      c.close();
      assert.deepEqual(fs.readdirSync(path.join(d.spoolDir, 'scan')), []);
    } finally {
      await d.stop();
      await Promise.all([spamd.stop(), clamd.stop()]);
    }
  });
});
