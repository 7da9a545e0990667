// XCLIENT on the SMTP server: the dialogue and its errors in -bh (as Exim's
// own tests drive it), swaks --xclient against the daemon, and a real nginx
// mail proxy with `xclient on`.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseXclient } from '../../src/smtp/server/xclient.ts';
import { freePort, run, startDaemon, ternBin, ternSetup, type TernDaemon } from '../helpers/tern-daemon.ts';

describe('XCLIENT operands', () => {
  test('names are case-blind, values xtext, [UNAVAILABLE]/[TEMPUNAVAIL] mean unknown', () => {
    const ops = parseXclient('addr=192.0.2.7 Port=4000 NAME=[TEMPUNAVAIL] LOGIN=a+2Bb DESTADDR=[unavailable]');
    assert.ok(ops instanceof Map);
    assert.deepEqual([...ops], [['ADDR', '192.0.2.7'], ['PORT', '4000'], ['NAME', null], ['LOGIN', 'a+b'], ['DESTADDR', null]]);
  });

  test('errors carry Exim\'s texts', () => {
    assert.equal(parseXclient(''), 'XCLIENT must have at least one operand');
    assert.equal(parseXclient('NONO=1'), "XCLIENT: unrecognised parameter 'NONO'");
    assert.equal(parseXclient('NAMEfoobar=x'), "XCLIENT: unrecognised parameter 'NAMEfoobar'");
    // the name runs to the next "=", across spaces, as Exim reads it
    assert.equal(parseXclient('NAME ADDR=1.2.3.4'), "XCLIENT: unrecognised parameter 'NAME ADDR'");
    assert.equal(parseXclient('NAME'), "XCLIENT: missing value for parameter 'NAME'");
    // Postfix's HELO and PROTO are left to the EHLO that follows (Exim takes neither)
    assert.equal(parseXclient('HELO=client.example'), "XCLIENT: unrecognised parameter 'HELO'");
    assert.equal(parseXclient('PROTO=ESMTP'), "XCLIENT: unrecognised parameter 'PROTO'");
    assert.equal(parseXclient('NAME= PORT=1'), 'XCLIENT: zero-length value for param');
    assert.equal(parseXclient('LOGIN=a+zz PORT=1'), "failed xtext decode for XCLIENT: 'a+zz PORT=1'");
  });
});

const BH_CONFIG = `
primary_hostname = myhost.test.ex
hosts_xclient = 127.0.0.1
log_selector = +proxy +incoming_port +smtp_syntax_error
acl_smtp_rcpt = r
begin acl
r:
  accept logwrite = RCPT ps=$proxy_session local=[$proxy_local_address]:$proxy_local_port \\
    external=[$proxy_external_address]:$proxy_external_port remote=[$sender_host_address]:$sender_host_port \\
    name=$sender_host_name auth=$sender_host_authenticated:$authenticated_id
`;

/** A -bh session from `host` fed `lines`: the replies (stdout) and the LOG: lines (stderr). */
function hostCheck(config: string, host: string, lines: string[]): { replies: string[]; logs: string[] } {
  const t = ternSetup({ config });
  try {
    const r = spawnSync(ternBin, ['-C', t.configPath, '-bh', host], { env: t.env, encoding: 'utf8', timeout: 20_000, input: lines.map((l) => l + '\r\n').join('') });
    const replies = r.stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => /^\d{3}[ -]/.test(l));
    const logs = r.stderr.split('\n').filter((l) => l.startsWith('LOG: ')).map((l) => l.slice(5).replace(/^\S+-\S+-\S+ /, ''));
    return { replies, logs };
  } finally {
    t.remove();
  }
}

const MESSAGE = ['DATA', 'Subject: test', '', 'body', '.'];

describe('XCLIENT in -bh', () => {
  test('a proxy becomes its client, twice, and must EHLO again each time', () => {
    const { replies, logs } = hostCheck(BH_CONFIG, '127.0.0.1', [
      'EHLO xclientproxy',
      'XCLIENT NAME=proxylookedupname.net ADDR=127.0.0.2 PORT=4242 DESTADDR=10.42.42.42 DESTPORT=25 LOGIN=hisloginname',
      'EHLO clienthelo', 'MAIL FROM:<c@test.ex>', 'RCPT TO:<d@test.ex>', ...MESSAGE,
      // no ADDR/PORT needed once a session is proxied; the proxy is now the previous client
      'XCLIENT NAME=[TEMPUNAVAIL] ADDR=127.0.0.3 PORT=4243 LOGIN=[UNAVAILABLE]',
      'EHLO anotherhelo', 'MAIL FROM:<c2@test.ex>', 'RCPT TO:<d2@test.ex>', ...MESSAGE,
      'MAIL FROM:<c2@test.ex>', 'XCLIENT NAME=bad.time.for.xclient', 'RSET',
      'XCLIENT NAME=miss.ehlo.after.xclient', 'MAIL FROM:<bad@test.ex>', 'QUIT',
    ]);
    assert.ok(replies.includes('250-XCLIENT ADDR NAME PORT LOGIN DESTADDR DESTPORT'), replies.join('\n'));
    // XCLIENT is offered after PIPELINING, before HELP, to the proxy and then to its clients
    const ehlo = replies.slice(replies.indexOf('250-myhost.test.ex Hello xclientproxy [127.0.0.1]'));
    assert.ok(ehlo.indexOf('250-XCLIENT ADDR NAME PORT LOGIN DESTADDR DESTPORT') > ehlo.indexOf('250-PIPELINING'));
    assert.equal(replies.filter((l) => l.startsWith('250-XCLIENT')).length, 3);
    assert.ok(replies.includes('250-myhost.test.ex Hello proxylookedupname.net [127.0.0.2]'), replies.join('\n'));
    assert.ok(replies.includes('250-myhost.test.ex Hello anotherhelo [127.0.0.3]'), replies.join('\n'));
    const after = replies.slice(replies.lastIndexOf('250 OK') - 0);
    assert.deepEqual(after, ['250 OK', '503 mail transaction in progress', '250 Reset OK', '220 XCLIENT success', '503 HELO or EHLO required', '221 myhost.test.ex closing connection']);
    assert.equal(replies.filter((l) => l === '220 XCLIENT success').length, 3);
    assert.deepEqual(logs.filter((l) => /^(RCPT|<=|rejected)/.test(l)), [
      'RCPT ps=yes local=[127.0.0.1]:0 external=[10.42.42.42]:25 remote=[127.0.0.2]:4242 name=proxylookedupname.net auth=xclient:hisloginname',
      '<= c@test.ex H=proxylookedupname.net (clienthelo) [127.0.0.2]:4242 P=esmtpa A=xclient:hisloginname PRX=127.0.0.1 S=236',
      'RCPT ps=yes local=[127.0.0.2]:4242 external=[10.42.42.42]:25 remote=[127.0.0.3]:4243 name= auth=:',
      '<= c2@test.ex H=(anotherhelo) [127.0.0.3]:4243 P=esmtp PRX=127.0.0.2 S=216',
      'rejected XCLIENT from (anotherhelo) [127.0.0.3]:4243: mail transaction in progress',
      'rejected MAIL from miss.ehlo.after.xclient (anotherhelo) [127.0.0.3]:4243: no HELO/EHLO given',
    ]);
  });

  test('operand errors are syntax errors (501), counted to the session limit', () => {
    const { replies, logs } = hostCheck(BH_CONFIG, '127.0.0.1', [
      'EHLO xclientproxy', 'XCLIENT', 'XCLIENT NONO=', 'XCLIENT NAMEfoobar=', 'XCLIENT SIXSIX=', 'QUIT',
    ]);
    assert.deepEqual(replies.filter((l) => !l.startsWith('250') && !l.startsWith('220 ')), [
      '501 XCLIENT must have at least one operand',
      "501 XCLIENT: unrecognised parameter 'NONO'",
      "501 XCLIENT: unrecognised parameter 'NAMEfoobar'",
      "501-XCLIENT: unrecognised parameter 'SIXSIX'",
      '501 Too many syntax or protocol errors',
    ]);
    assert.ok(logs.includes('SMTP syntax error in "XCLIENT NONO=" H=(xclientproxy) [127.0.0.1]:0 XCLIENT: unrecognised parameter \'NONO\''), logs.join('\n'));
    assert.ok(logs.some((l) => /dropped: too many syntax or protocol errors \(last command was "XCLIENT SIXSIX=",\s+C=EHLO,XCLIENT,XCLIENT,XCLIENT,XCLIENT\)/.test(l)), logs.join('\n'));
  });

  test('the first XCLIENT needs ADDR and PORT; before HELO it is refused; elsewhere it is not offered', () => {
    const a = hostCheck(BH_CONFIG, '127.0.0.1', ['XCLIENT ADDR=192.0.2.1 PORT=1', 'EHLO p', 'XCLIENT NAME=x.example', 'XCLIENT ADDR=192.0.2.1', 'QUIT']);
    assert.deepEqual(a.replies.filter((l) => !l.startsWith('250') && !l.startsWith('220 myhost')), [
      '503 no HELO/EHLO given', '501 missing ADDR for XCLIENT', '501 missing PORT for XCLIENT', '221 myhost.test.ex closing connection',
    ]);
    assert.ok(a.logs.includes('rejected XCLIENT from [127.0.0.1]:0: no HELO/EHLO given'), a.logs.join('\n'));
    const b = hostCheck(BH_CONFIG, '192.0.2.99', ['EHLO other', 'XCLIENT ADDR=192.0.2.1 PORT=1', 'QUIT']);
    assert.ok(!b.replies.some((l) => l.includes('XCLIENT ADDR')), b.replies.join('\n'));
    assert.ok(b.replies.includes('501 XCLIENT command used when not advertised'), b.replies.join('\n'));
  });
});

describe('swaks --xclient against the daemon', () => {
  let d: TernDaemon;
  before(async () => {
    d = await startDaemon({ config: `
primary_hostname = mx.test.example
hosts_xclient = 127.0.0.1
queue_only = true
log_selector = +proxy +incoming_port +smtp_syntax_error
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  deny hosts = 127.0.0.1
       message = the proxy itself is not a client
  accept logwrite = RCPT remote=[$sender_host_address]:$sender_host_port name=$sender_host_name \\
    local=[$proxy_local_address]:$proxy_local_port external=[$proxy_external_address]:$proxy_external_port \\
    session=$proxy_session auth=$sender_host_authenticated:$authenticated_id
` });
  });
  after(() => d?.stop());

  test('the client named by XCLIENT is the one the ACL, the log and Received: see', async () => {
    const r = await run('swaks', ['--server', `127.0.0.1:${d.port}`, '--helo', 'client.example', '--from', 'a@b.example', '--to', 'x@test.example',
      '--xclient-addr', '192.0.2.7', '--xclient-port', '40000', '--xclient-name', 'client.test', '--xclient-login', 'alice',
      '--xclient-destaddr', '198.51.100.9', '--xclient-destport', '587', '--timeout', '15']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<- {2}220 XCLIENT success/);
    assert.match(r.stdout, /<- {2}250-mx\.test\.example Hello client\.test \[192\.0\.2\.7\]/);
    const id = /250 OK id=(\S+)/.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    await d.waitForLog(/RCPT remote=\[192\.0\.2\.7\]:40000 name=client\.test local=\[127\.0\.0\.1\]:\d+ external=\[198\.51\.100\.9\]:587 session=yes auth=xclient:alice/);
    const arrival = await d.arrivalLine(id);
    assert.match(arrival, /<= a@b\.example H=client\.test \(client\.example\) \[192\.0\.2\.7\]:40000 P=esmtpa A=xclient:alice PRX=127\.0\.0\.1 S=/);
    const received = d.readMessage(id).header.headers.find((h) => h.text.startsWith('Received:'))!.text;
    assert.ok(received.startsWith('Received: from client.test ([192.0.2.7] helo=client.example)\n\tby mx.test.example with esmtpa '), JSON.stringify(received));
    assert.doesNotMatch(received, /127\.0\.0\.1/);
  });

  test('an XCLIENT without PORT is refused with 501, and the session stays the proxy\'s', async () => {
    const r = await run('swaks', ['--server', `127.0.0.1:${d.port}`, '--from', 'a@b.example', '--to', 'x@test.example',
      '--xclient-addr', '192.0.2.8', '--timeout', '15']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /<\*\* 501 missing PORT for XCLIENT/);
    await d.waitForLog(/SMTP syntax error in "XCLIENT ADDR=192\.0\.2\.8" H=\S+ \[127\.0\.0\.1\]:\d+ missing PORT for XCLIENT/);
  });

  test('from a host not in hosts_xclient it is not offered, and refused if sent anyway', async () => {
    const sock = net.connect({ port: d.port, host: '127.0.0.1', localAddress: '127.0.0.9' });
    let out = '';
    sock.setEncoding('latin1');
    sock.on('data', (t: string) => (out += t));
    await new Promise((r) => sock.once('connect', r));
    for (const l of ['EHLO other.example', 'XCLIENT ADDR=192.0.2.8 PORT=1', 'QUIT']) {
      await new Promise((r) => setTimeout(r, 150));
      sock.write(l + '\r\n');
    }
    await new Promise<void>((r) => { const t = setTimeout(r, 5000); sock.once('close', () => { clearTimeout(t); r(); }); });
    assert.doesNotMatch(out, /XCLIENT ADDR/);
    assert.match(out, /\r\n501 XCLIENT command used when not advertised\r\n221 /);
  });
});

const NGINX = '/usr/sbin/nginx';
const NGINX_MAIL = '/usr/lib/nginx/modules/ngx_mail_module.so';
const haveNginx = fs.existsSync(NGINX) && fs.existsSync(NGINX_MAIL);

describe('a real nginx mail proxy with xclient on', { skip: !haveNginx && 'nginx with the mail module is not installed (apt-get install nginx libnginx-mod-mail)' }, () => {
  let d: TernDaemon;
  let nginx: ChildProcess;
  let auth: http.Server;
  let dir: string;
  let port: number;
  const authRequests: http.IncomingHttpHeaders[] = [];

  before(async () => {
    d = await startDaemon({ config: `
primary_hostname = mx.test.example
hosts_xclient = 127.0.0.1
queue_only = true
log_selector = +proxy +incoming_port +smtp_syntax_error
acl_smtp_rcpt = accept
` });
    // nginx asks this responder where to send the client: to tern
    auth = http.createServer((req, res) => {
      authRequests.push(req.headers);
      res.writeHead(200, { 'Auth-Status': 'OK', 'Auth-Server': '127.0.0.1', 'Auth-Port': String(d.port) });
      res.end();
    });
    await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
    const authPort = (auth.address() as net.AddressInfo).port;
    port = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-nginx-'));
    fs.writeFileSync(path.join(dir, 'nginx.conf'), `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
load_module ${NGINX_MAIL};
events { worker_connections 16; }
mail {
  server_name proxy.example;
  auth_http 127.0.0.1:${authPort}/auth;
  server {
    listen 127.0.0.1:${port};
    protocol smtp;
    smtp_auth none;
    xclient on;
  }
}
`);
    nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect({ port, host: '127.0.0.1' }, () => { s.destroy(); r(true); });
        s.on('error', () => r(false));
      });
      if (up) break;
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    nginx?.kill('SIGKILL');
    auth?.close();
    await d?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // nginx sends "XCLIENT ADDR=<client> NAME=<name>" with no PORT, and Exim's
  // XCLIENT needs ADDR and PORT on the first XCLIENT of a session
  // (experimental-spec.txt). tern follows Exim: nginx's XCLIENT is refused
  // and nginx reports an internal error to its client.
  test('nginx\'s XCLIENT (no PORT) is refused as Exim refuses it', async () => {
    const r = await run('swaks', ['--server', `127.0.0.1:${port}`, '--local-interface', '127.0.0.5', '--helo', 'client.example',
      '--from', 'a@b.example', '--to', 'x@test.example', '--timeout', '15']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /<\*\* 451 4\.3\.2 Internal server error/);
    assert.equal(authRequests.at(-1)?.['client-ip'], '127.0.0.5');
    await d.waitForLog(/SMTP syntax error in "XCLIENT ADDR=127\.0\.0\.5 NAME=\[UNAVAILABLE\]" H=\(proxy\.example\) \[127\.0\.0\.1\]:\d+ missing PORT for XCLIENT/);
    assert.deepEqual(d.spooledIds(), []);
  });
});
