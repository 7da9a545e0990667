// The dovecot authenticator's side of the auth-client protocol, line by
// line. A real Dovecot is used in dovecot.test.ts; the faults here (another
// protocol version, a wrong request id, OK without user=, a connection that
// ends early, an unknown reply) are ones a real Dovecot never produces, so
// a scripted listener on a Unix socket plays Dovecot's part.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { authFailureLogText, authReply, loadAuthenticators } from '../../src/auth/index.ts';
import { b64, configFrom, run, sessionContext } from './helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-dcproto-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const GREETING = 'VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t77\nCUID\t5\nCOOKIE\tabc\nDONE\n';

/**
 * A one-connection stand-in for Dovecot: sends `greeting`, then answers each
 * line it receives with the next of `answers` (null: close the connection);
 * with hangUp, closes right after the greeting.
 * Resolves with the lines it received.
 */
async function scripted(name: string, greeting: string, answers: (string | null)[], hangUp = false): Promise<{ socket: string; received: Promise<string[]> }> {
  const socket = path.join(dir, name);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(socket, r));
  const received = new Promise<string[]>((resolve) => {
    server.once('connection', (c) => {
      server.close();
      const lines: string[] = [];
      let buf = '';
      c.setEncoding('latin1');
      c.on('error', () => {});
      c.on('close', () => resolve(lines));
      c.write(greeting);
      if (hangUp) c.end();
      c.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (!line.startsWith('AUTH') && !line.startsWith('CONT')) continue;
          const a = answers.shift();
          if (a === null || a === undefined) c.end();
          else c.write(a);
        }
      });
    });
  });
  return { socket, received };
}

function dovecot(socket: string, extra = ''): ReturnType<typeof loadAuthenticators>[number] {
  return loadAuthenticators(configFrom(`begin authenticators
dc:
  driver = dovecot
  public_name = PLAIN
  server_socket = ${socket}
  server_set_id = [$auth1]
${extra}
`))[0];
}

test('the request: VERSION, CPID, AUTH with service, addresses, nologin and the initial response as given', async () => {
  const s = await scripted('req', GREETING, ['OK\t1\tuser=alice\n']);
  const ctx = sessionContext();
  ctx.vars.set('sender_host_address', { value: '192.0.2.1', tainted: false });
  ctx.vars.set('interface_address', { value: '192.0.2.25', tainted: false });
  const { outcome } = await run(dovecot(s.socket), b64('\0alice\0pw'), [], ctx);
  assert.equal(authReply(outcome), '235 Authentication succeeded');
  assert.equal(outcome.setId, '[alice]');
  // Dovecot vouches for the name: $auth1 is not tainted.
  assert.deepEqual(ctx.vars.get('auth1'), { value: 'alice', tainted: false });
  assert.deepEqual(await s.received, [
    'VERSION\t1\t0',
    `CPID\t${process.pid}`,
    `AUTH\t1\tPLAIN\tservice=smtp\trip=192.0.2.1\tlip=192.0.2.25\tnologin\tresp=${b64('\0alice\0pw')}`,
  ]);
});

test('"secured" for a local client or under TLS, "valid-client-cert" for a verified certificate; NULL addresses for -bs', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ sender_host_address: '127.0.0.1', interface_address: '127.0.0.1' }, 'secured\trip=127.0.0.1\tlip=127.0.0.1'],
    [{ sender_host_address: '192.0.2.1', interface_address: '192.0.2.25', tls_in_cipher: 'TLS1.3:X:256', tls_in_certificate_verified: '0' },
      'secured\trip=192.0.2.1\tlip=192.0.2.25'],
    [{ sender_host_address: '192.0.2.1', interface_address: '192.0.2.25', tls_in_cipher: 'TLS1.3:X:256', tls_in_certificate_verified: '1' },
      'secured\tvalid-client-cert\trip=192.0.2.1\tlip=192.0.2.25'],
    [{}, 'rip=NULL\tlip=NULL'],
  ];
  for (const [i, [vars, want]] of cases.entries()) {
    const s = await scripted(`sec${i}`, GREETING, ['FAIL\t1\n']);
    const ctx = sessionContext();
    for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, { value: v, tainted: false });
    const { outcome } = await run(dovecot(s.socket), '', [(p: string) => p], ctx);
    assert.equal(outcome.result, 'fail');
    assert.equal((await s.received)[2], `AUTH\t1\tPLAIN\tservice=smtp\t${want}\tnologin\tresp=`);
  }
});

test('CONT: the challenge goes to the client as it is; the answer goes back; "*" cancels', async () => {
  const s = await scripted('cont', GREETING, ['CONT\t1\tVXNlcm5hbWU6\n', 'CONT\t1\t\n', 'FAIL\t1\tuser=bob\ttemp\n']);
  const ctx = sessionContext();
  const seen: string[] = [];
  const io = { challenge: async (t: string) => { seen.push(t); return seen.length === 1 ? 'Ym9i' : 'cHc='; } };
  const auth = dovecot(s.socket);
  const outcome = await auth.serve(io, undefined, ctx);
  assert.deepEqual(seen, ['VXNlcm5hbWU6', '']);
  assert.equal(authReply(outcome), '535 Incorrect authentication data');
  assert.equal(outcome.setId, '[bob]');
  assert.deepEqual((await s.received).slice(3), ['CONT\t1\tYm9i', 'CONT\t1\tcHc=']);

  const c = await scripted('cancel', GREETING, ['CONT\t1\t\n']);
  const cancelled = await run(dovecot(c.socket), undefined, [null]);
  assert.equal(authReply(cancelled.outcome), '501 Authentication cancelled');
});

test('data holding a TAB fails without a request to Dovecot', async () => {
  const s = await scripted('tab', GREETING, []);
  const { outcome } = await run(dovecot(s.socket), 'AA\tBB');
  assert.equal(outcome.result, 'fail');
  assert.equal((await s.received).length, 0);
});

test('protocol faults defer with Exim\'s texts', async () => {
  const cases: [string, string, (string | null)[], string][] = [
    ['v2', 'VERSION\t2\t0\nMECH\tPLAIN\nDONE\n', [], 'authentication socket protocol version mismatch'],
    ['vargs', 'VERSION\t1\nMECH\tPLAIN\nDONE\n', [], 'authentication socket protocol error'],
    ['nomech', 'VERSION\t1\t2\nMECH\tLOGIN\nDONE\n', [], 'Dovecot did not advertise mechanism "PLAIN" to us'],
    ['master', 'VERSION\t1\t2\nSPID\t12\n', [], 'authentication socket type mismatch (connected to auth-master instead of auth-client)'],
    ['eof', 'VERSION\t1\t2\nMECH\tPLAIN\n', [], 'authentication socket read error or premature eof'],
    ['id', GREETING, ['OK\t2\tuser=alice\n'], 'authentication socket connection id mismatch'],
    ['nouser', GREETING, ['OK\t1\tuser_x=alice\n'], 'authentication socket protocol error, username missing'],
    ['okargs', GREETING, ['OK\t1\n'], 'authentication socket protocol error'],
    ['other', GREETING, ['NOTFOUND\t1\n'], 'authentication socket protocol error'],
    ['closed', GREETING, [null], 'authentication socket read error or premature eof'],
  ];
  for (const [name, greeting, answers, message] of cases) {
    const s = await scripted(name, greeting, answers, name === 'eof');
    const { outcome } = await run(dovecot(s.socket), b64('\0alice\0pw'));
    assert.equal(authReply(outcome), '435 Unable to authenticate at present', name);
    assert.equal(outcome.message, message, name);
    assert.equal(authFailureLogText('dc', 'H=[192.0.2.1]', outcome), `dc authenticator failed for H=[192.0.2.1]: 435 Unable to authenticate at present (set_id=[]): ${message}`);
  }
});

test('server_condition is asked after OK; a malformed server_socket defers', async () => {
  const s = await scripted('cond', GREETING, ['OK\t1\tuser=carol\n']);
  const cond = dovecot(s.socket, '  server_condition = ${if eq{$auth1}{carol}{no}{yes}}');
  assert.equal((await run(cond, b64('\0carol\0pw'))).outcome.result, 'fail');

  const bad = dovecot('localhost');
  const { outcome } = await run(bad, b64('\0alice\0pw'));
  assert.equal(outcome.result, 'defer');
  assert.equal(outcome.message, "invalid socket 'localhost'");
});
