// The PROXY protocol on the SMTP server: the header parser on bytes, then
// tern's daemon behind a real haproxy (send-proxy and send-proxy-v2) with a
// real BIND for the client's name, and what a hosts_proxy host that sends no
// header gets. The client reaches haproxy from 127.0.0.5, so the real
// client's address differs from the proxy's (127.0.0.1).
// TERN_INTEG_PROGRAM=exim4 runs the daemon tests against Debian's Exim 4.98
// (built with PROXY support): they pass there too, bar the name lookup.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SessionInput } from '../../src/smtp/server/input.ts';
import { parseProxyHeader, readProxyHeader } from '../../src/smtp/server/proxy-protocol.ts';
import { freePort, run, startDaemon, ternBin, ternSetup, type TernDaemon } from '../helpers/tern-daemon.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { testCerts } from '../helpers/certs.ts';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header: version/command byte, family byte, then the address block. */
function v2(verCmd: number, family: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([SIG, Buffer.from([verCmd, family]), len, body]);
}

function ip4Block(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}

describe('PROXY header parser', () => {
  test('v1 TCP4 and TCP6 give the client and its destination; what follows is left', () => {
    const r = parseProxyHeader(Buffer.from('PROXY TCP4 192.0.2.7 198.51.100.9 40000 25\r\nEHLO x\r\n'));
    assert.deepEqual(r, { kind: 'ok', consumed: 44, header: { version: 1, source: { address: '192.0.2.7', port: 40000 }, destination: { address: '198.51.100.9', port: 25 } } });
    const r6 = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 1234 587\r\n'));
    assert.equal(r6.kind, 'ok');
    assert.deepEqual(r6.kind === 'ok' && r6.header.source, { address: '2001:db8::7', port: 1234 });
  });

  test('v1 UNKNOWN is accepted and names nobody', () => {
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'ok', consumed: 15, header: { version: 1 } });
  });

  test('an incomplete v1 line asks for more', () => {
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 192.0.2.7 ')), { kind: 'more' });
    assert.deepEqual(parseProxyHeader(Buffer.from('PRO')), { kind: 'more' });
  });

  test('malformed v1 lines are refused, the whole line taken', () => {
    for (const line of [
      'PROXY TCP4 192.0.2.7  198.51.100.9 40000 25', // two spaces
      'PROXY TCP4 192.0.2.7 nonsense 40000 25',
      'PROXY TCP4 192.0.2.7 198.51.100.9 0 25', // port 0
      'PROXY TCP4 192.0.2.7 198.51.100.9 70000 25',
      'PROXY TCP5 192.0.2.7 198.51.100.9 1 25',
      'PROXY TCP4 192.0.2.7 198.51.100.9 x 25',
    ]) {
      const r = parseProxyHeader(Buffer.from(`${line}\r\nQUIT\r\n`));
      assert.equal(r.kind, 'bad', line);
      assert.equal(r.kind === 'bad' && r.consumed, line.length + 2, line);
    }
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 192.0.2.7 198.51.100.9 1 25\n')).kind, 'bad'); // bare LF
    assert.equal(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`)).kind, 'bad'); // longer than 107
  });

  test('a line that is no header is swallowed to its end (Exim does the same)', () => {
    assert.deepEqual(parseProxyHeader(Buffer.from('EHLO client.example\r\nQUIT\r\n')), { kind: 'bad', consumed: 21, reason: 'not a proxy protocol header' });
  });

  test('v2 PROXY over TCP4 and TCP6, with TLVs after the addresses', () => {
    const tlv = Buffer.from([0x04, 0x00, 0x03, 0x00, 0x00, 0x00]); // a NOOP TLV
    const h4 = v2(0x21, 0x11, Buffer.concat([ip4Block([192, 0, 2, 7], [198, 51, 100, 9], 40000, 25), tlv]));
    const r = parseProxyHeader(Buffer.concat([h4, Buffer.from('EHLO x\r\n')]));
    assert.deepEqual(r, { kind: 'ok', consumed: h4.length, header: { version: 2, source: { address: '192.0.2.7', port: 40000 }, destination: { address: '198.51.100.9', port: 25 } } });
    const b6 = Buffer.alloc(36);
    Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]).copy(b6, 0);
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]).copy(b6, 16);
    b6.writeUInt16BE(1234, 32);
    b6.writeUInt16BE(25, 34);
    const r6 = parseProxyHeader(v2(0x21, 0x21, b6));
    assert.deepEqual(r6.kind === 'ok' && r6.header, { version: 2, source: { address: '2001:db8::7', port: 1234 }, destination: { address: '::ffff:192.0.2.1', port: 25 } });
  });

  test('v2 LOCAL keeps the connection as it is; partial headers ask for more', () => {
    assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), { kind: 'ok', consumed: 16, header: { version: 2 } });
    const h = v2(0x21, 0x11, ip4Block([192, 0, 2, 7], [198, 51, 100, 9], 1, 2));
    assert.deepEqual(parseProxyHeader(h.subarray(0, 10)), { kind: 'more' });
    assert.deepEqual(parseProxyHeader(h.subarray(0, 20)), { kind: 'more' });
  });

  test('v2 with a wrong version, command or family is refused', () => {
    assert.equal(parseProxyHeader(v2(0x11, 0x11, ip4Block([1, 2, 3, 4], [1, 2, 3, 5], 1, 2))).kind, 'bad');
    assert.equal(parseProxyHeader(v2(0x22, 0x11, ip4Block([1, 2, 3, 4], [1, 2, 3, 5], 1, 2))).kind, 'bad');
    assert.equal(parseProxyHeader(v2(0x21, 0x12, ip4Block([1, 2, 3, 4], [1, 2, 3, 5], 1, 2))).kind, 'bad'); // UDP
    assert.equal(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))).kind, 'bad'); // UNIX
  });
});

describe('reading the header from the session input', () => {
  test('a header split over several writes is put together; what follows stays unread', async () => {
    const stream = new PassThrough();
    const input = new SessionInput(stream);
    const h = v2(0x21, 0x11, ip4Block([192, 0, 2, 7], [198, 51, 100, 9], 40000, 25));
    const reading = readProxyHeader(input, 2000);
    stream.write(h.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 20));
    stream.write(h.subarray(5, 15));
    await new Promise((r) => setTimeout(r, 20));
    stream.write(Buffer.concat([h.subarray(15), Buffer.from('EHLO x\r\n')]));
    assert.deepEqual(await reading, { version: 2, source: { address: '192.0.2.7', port: 40000 }, destination: { address: '198.51.100.9', port: 25 } });
    assert.deepEqual(await input.readLine(1000), { text: 'EHLO x', truncated: false });
  });

  test('nothing within the time limit, or the client gone, is a failure', async () => {
    const silent = new SessionInput(new PassThrough());
    const started = Date.now();
    assert.deepEqual(await readProxyHeader(silent, 100), { failed: 'timeout' });
    assert.ok(Date.now() - started >= 90);
    const stream = new PassThrough();
    const gone = new SessionInput(stream);
    const reading = readProxyHeader(gone, 2000);
    stream.end('PROXY TCP4 192.0.2.7');
    assert.deepEqual(await reading, { failed: 'connection closed' });
  });
});

/** A raw dialogue from a chosen source address: what the server answered, all of it. */
async function dialogue(port: number, localAddress: string, first: Buffer | string | null, lines: string[], pauseMs = 150): Promise<string> {
  const sock = net.connect({ port, host: '127.0.0.1', localAddress });
  let out = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => (out += d));
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  if (first !== null) sock.write(first);
  for (const l of lines) {
    await new Promise((r) => setTimeout(r, pauseMs));
    sock.write(l + '\r\n');
  }
  // wait (bounded) for the server to close after QUIT
  await new Promise<void>((r) => {
    const t = setTimeout(r, 5000);
    sock.once('close', () => { clearTimeout(t); r(); });
  });
  sock.destroy();
  return out;
}

const HAPROXY = '/usr/sbin/haproxy';
const haveHaproxy = fs.existsSync(HAPROXY);
// Exim (TERN_INTEG_PROGRAM=exim4, to check these expectations) uses the system's resolver, not ours
const useDns = fs.existsSync('/usr/sbin/named') && process.env.TERN_INTEG_PROGRAM !== 'exim4';

const CONFIG = `
primary_hostname = mx.test.example
hosts_proxy = 127.0.0.1
proxy_protocol_timeout = 1s
queue_only = true
log_selector = +proxy +incoming_port +smtp_connection
acl_smtp_connect = connect
acl_smtp_rcpt = rcpt
begin acl
connect:
  warn logwrite = CONNECT host=$sender_host_address:$sender_host_port name=$sender_host_name \\
    local=$proxy_local_address:$proxy_local_port external=$proxy_external_address:$proxy_external_port session=$proxy_session
  accept
rcpt:
  deny hosts = 127.0.0.1
       message = the proxy itself is not a client
  accept hosts = 127.0.0.5 : 127.0.0.9
`;

describe('PROXY protocol through a real haproxy', { skip: !haveHaproxy && 'haproxy is not installed (apt-get install haproxy)' }, () => {
  let d: TernDaemon;
  let dns: DnsServer | undefined;
  let haproxy: ChildProcess;
  let dir: string;
  let v1Port: number;
  let v2Port: number;
  let tlsPort: number;
  const savedResolvers = process.env.TERN_RESOLVERS;

  before(async () => {
    if (useDns) {
      // the real client's name: Exim looks it up once the header has named the client
      dns = await startDnsServer([
        { name: '0.0.127.in-addr.arpa', records: ['5 PTR client.proxy.test.'] },
        { name: 'proxy.test', records: ['client A 127.0.0.5'] },
      ]);
      process.env.TERN_RESOLVERS = `${dns.host}:${dns.port}`;
    }
    const certs = testCerts();
    d = await startDaemon({ config: `tls_certificate = ${certs.serverCert}\ntls_privatekey = ${certs.serverKey}\n${CONFIG}`, tlsOnConnect: true });
    if (savedResolvers === undefined) delete process.env.TERN_RESOLVERS;
    else process.env.TERN_RESOLVERS = savedResolvers;
    v1Port = await freePort();
    v2Port = await freePort();
    tlsPort = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-haproxy-'));
    fs.writeFileSync(path.join(dir, 'haproxy.cfg'), [
      'global',
      `  pidfile ${dir}/haproxy.pid`,
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      `frontend v1\n  bind 127.0.0.1:${v1Port}\n  default_backend tern_v1`,
      `backend tern_v1\n  server tern 127.0.0.1:${d.port} send-proxy`,
      `frontend v2\n  bind 127.0.0.1:${v2Port}\n  default_backend tern_v2`,
      `backend tern_v2\n  server tern 127.0.0.1:${d.port} send-proxy-v2`,
      // TLS on connect passes through haproxy: the header comes first, then the client's handshake
      `frontend tls\n  bind 127.0.0.1:${tlsPort}\n  default_backend tern_tls`,
      `backend tern_tls\n  server tern 127.0.0.1:${d.tlsPort} send-proxy-v2`,
      '',
    ].join('\n'));
    // -db: foreground, no daemon
    haproxy = spawn(HAPROXY, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    haproxy.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect({ port: v2Port, host: '127.0.0.1' }, () => { s.destroy(); r(true); });
        s.on('error', () => r(false));
      });
      if (up) break;
      if (i > 100 || haproxy.exitCode !== null) throw new Error(`haproxy did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    haproxy?.kill('SIGKILL');
    await d?.stop();
    await dns?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function sendThrough(port: number, helo: string, extra: string[] = []): Promise<{ id: string; stdout: string }> {
    const r = await run('swaks', ['--server', `127.0.0.1:${port}`, '--local-interface', '127.0.0.5', '--helo', helo,
      '--from', 'a@b.example', '--to', 'x@test.example', '--body', 'hello', '--timeout', '15', ...extra]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = /250 OK id=(\S+)/.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    return { id, stdout: r.stdout };
  }

  for (const version of ['v1', 'v2'] as const) {
    test(`send-proxy${version === 'v2' ? '-v2' : ''}: the session is the real client's`, async () => {
      const port = version === 'v1' ? v1Port : v2Port;
      const helo = `client-${version}.example`;
      const { id, stdout } = await sendThrough(port, helo);
      // the EHLO greeting names the real client
      assert.match(stdout, new RegExp(`250-mx\\.test\\.example Hello ${dns ? 'client\\.proxy\\.test' : helo.replace(/\./g, '\\.')} \\[127\\.0\\.0\\.5\\]`));
      // the connect ACL saw the client, the proxy's end and the frontend it reached
      const connect = await d.waitForLog(new RegExp(`CONNECT host=127\\.0\\.0\\.5:\\d+ .*external=127\\.0\\.0\\.1:${port} session=yes`));
      assert.match(connect, /local=127\.0\.0\.1:\d+ /);
      if (dns) assert.match(connect, /name=client\.proxy\.test /);
      // "<=": the client, and PRX= the proxy (+proxy)
      const arrival = await d.arrivalLine(id);
      const who = dns ? `client\\.proxy\\.test \\(${helo}\\)` : `\\(${helo}\\)`;
      assert.match(arrival, new RegExp(`<= a@b\\.example H=${who} \\[127\\.0\\.0\\.5\\]:\\d+ P=esmtp PRX=127\\.0\\.0\\.1 S=`));
      // Received: names the client, not the proxy
      const received = d.readMessage(id).header.headers.find((h) => h.text.startsWith('Received:'))!.text;
      if (dns) assert.ok(received.startsWith(`Received: from client.proxy.test ([127.0.0.5] helo=${helo})\n`), received);
      else assert.match(received, /\[127\.0\.0\.5\]/);
      assert.doesNotMatch(received, /127\.0\.0\.1/);
      // the connection's own log lines: opened by the proxy, closed by the client (as Exim's)
      await d.waitForLog(new RegExp(`SMTP connection from .*\\[127\\.0\\.0\\.5\\]:\\d+ D=\\S+ closed by QUIT`));
    });
  }

  test('TLS on connect behind the proxy: the header is read before the handshake', async () => {
    const { id, stdout } = await sendThrough(tlsPort, 'tls-client.example', ['--tls-on-connect']);
    assert.match(stdout, /TLS started/);
    const arrival = await d.arrivalLine(id);
    assert.match(arrival, /\[127\.0\.0\.5\]:\d+ P=esmtps X=\S+ .*PRX=127\.0\.0\.1 S=/);
  });

  test('a hosts_proxy host that sends no header may only QUIT', async () => {
    const out = await dialogue(d.port, '127.0.0.1', null, ['EHLO direct.example', 'MAIL FROM:<a@b.example>', 'NOOP', 'QUIT'], 300);
    // the EHLO line was taken as the (broken) header
    assert.match(out, /^220 mx\.test\.example /);
    const lines = out.trimEnd().split('\r\n');
    assert.deepEqual(lines.slice(1), [
      '503 Command refused, required Proxy negotiation failed',
      '503 Command refused, required Proxy negotiation failed',
      '221 mx.test.example closing connection',
    ]);
  });

  test('a hosts_proxy host silent past proxy_protocol_timeout gets the banner, then only QUIT', async () => {
    const started = Date.now();
    const sock = net.connect({ port: d.port, host: '127.0.0.1' });
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (s: string) => (got += s));
    await new Promise<void>((r, j) => {
      const t = setTimeout(() => j(new Error(`no banner; got ${JSON.stringify(got)}`)), 5000);
      sock.on('data', () => { if (got.includes('\r\n')) { clearTimeout(t); r(); } });
    });
    assert.ok(Date.now() - started >= 900, 'the banner waits for proxy_protocol_timeout (1s)');
    sock.write('HELO late.example\r\nQUIT\r\n');
    await new Promise((r) => sock.once('close', r));
    assert.match(got, /^220 .*\r\n503 Command refused, required Proxy negotiation failed\r\n221 /);
  });

  test('a host not in hosts_proxy speaks SMTP at once: $proxy_session is no', async () => {
    const out = await dialogue(d.port, '127.0.0.9', null, ['EHLO other.example', 'MAIL FROM:<a@b.example>', 'RCPT TO:<x@test.example>', 'QUIT']);
    assert.match(out, /250-mx\.test\.example Hello other\.example \[127\.0\.0\.9\]/);
    assert.match(out, /250 Accepted/);
    await d.waitForLog(/CONNECT host=127\.0\.0\.9:\d+ .*local=:0 external=:0 session=no/);
  });
});

describe('PROXY protocol in -bh (the header is read from standard input, as Exim does)', () => {
  test('the host check session takes the client from the header', () => {
    const t = ternSetup({ config: `hosts_proxy = 127.0.0.1
acl_smtp_connect = c
begin acl
c:
  warn logwrite = ps=$proxy_session h=$sender_host_address:$sender_host_port x=$proxy_external_address
  accept
` });
    try {
      const r = spawnSync(ternBin, ['-C', t.configPath, '-bh', '127.0.0.1'], {
        env: { ...t.env, TERN_RESOLVERS: '127.0.0.1:9' }, encoding: 'utf8', timeout: 20_000,
        input: 'PROXY TCP4 192.0.2.7 198.51.100.9 40000 25\r\nEHLO x\r\nQUIT\r\n',
      });
      assert.match(r.stdout, /250-\S+ Hello x \[192\.0\.2\.7\]/);
      assert.match(r.stderr, /LOG: ps=yes h=192\.0\.2\.7:40000 x=198\.51\.100\.9/);
    } finally {
      t.remove();
    }
  });
});
