// The outbound SMTP client against a real tern daemon on loopback (greeting,
// multi-line EHLO, PIPELINING, STARTTLS, pipelined replies), and against a
// scripted loopback server for the faults a real server will not produce on
// demand (EHLO refused, silence, hang-up, garbage, refused connection).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ClientError, SmtpConnection } from '../../../src/smtp/client/connection.ts';
import { DialogueError, SmtpDialogue } from '../../../src/smtp/client/dialogue.ts';
import { testCerts } from '../../helpers/certs.ts';
import { freePort, startDaemon, type TernDaemon } from '../../helpers/tern-daemon.ts';

let daemon: TernDaemon;

before(async () => {
  const certs = testCerts();
  daemon = await startDaemon({
    tlsOnConnect: true,
    config: [
      'primary_hostname = target.test',
      `tls_certificate = ${certs.serverCert}`,
      `tls_privatekey = ${certs.serverKey}`,
      'acl_smtp_rcpt = rcpt',
      'begin acl',
      'rcpt:',
      '  deny local_parts = nobody',
      '       message = no such user',
      '  accept',
    ].join('\n'),
  });
});
after(async () => {
  await daemon?.stop();
});

/** A loopback server that runs `script` for each connection (fault injection only). */
async function scripted(script: (sock: net.Socket, lines: AsyncIterable<string>) => Promise<void>): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    sock.setEncoding('latin1');
    async function* lines(): AsyncGenerator<string> {
      let buf = '';
      for await (const chunk of sock) {
        buf += chunk as string;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          yield buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
        }
      }
    }
    script(sock, lines()).catch(() => {}).finally(() => sock.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('SmtpConnection and SmtpDialogue against tern', () => {
  it('greets, reads the multi-line EHLO reply, takes STARTTLS and pipelines MAIL and RCPT', async () => {
    const trace: string[] = [];
    const conn = await SmtpConnection.connect({ address: '127.0.0.1', port: daemon.port, timeoutMs: 5000, trace: (l) => trace.push(l) });
    const d = new SmtpDialogue(conn, 5000);
    await d.open({ heloName: 'client.test', timeoutMs: 5000 });
    assert.ok(d.features.esmtp);
    assert.ok(d.features.tls, 'STARTTLS was offered and taken');
    assert.ok(conn.isTls && conn.tlsCipher);
    assert.ok(d.features.pipelining);
    // After TLS the server no longer offers STARTTLS: the second EHLO's list replaced the first.
    assert.ok(!d.features.extensions.has('STARTTLS'));
    const [mail, ok, bad] = await d.commands(['MAIL FROM:<>', 'RCPT TO:<someone@x.test>', 'RCPT TO:<nobody@x.test>']);
    assert.deepEqual([mail.code, ok.code, bad.code], [250, 250, 550]);
    assert.deepEqual(bad.lines, ['550 no such user']);
    await d.quit();
    assert.ok(trace.includes('  SMTP>> STARTTLS'), trace.join('\n'));
    assert.ok(trace.includes('  SMTP|> MAIL FROM:<>'), 'a pipelined command is traced with |>');
    assert.ok(trace.some((l) => /^ {2}SMTP<< 250-target\.test Hello client\.test .*\n {9}250[- ]/.test(l)), 'a multi-line reply is traced on continuation lines');
    assert.equal(trace.at(-1), '  SMTP(close)>>');
  });

  it('TLS on connect (smtps): the greeting and EHLO come over TLS, and STARTTLS is not tried', async () => {
    const trace: string[] = [];
    const conn = await SmtpConnection.connect({ address: '127.0.0.1', port: daemon.tlsPort!, timeoutMs: 5000, trace: (l) => trace.push(l) });
    const d = new SmtpDialogue(conn, 5000);
    await d.open({ heloName: 'client.test', timeoutMs: 5000, tlsOnConnect: true });
    assert.ok(d.features.tls && conn.isTls);
    assert.ok(!trace.includes('  SMTP>> STARTTLS'));
    assert.equal((await d.expectOk('MAIL FROM:<>')).code, 250);
    await d.quit();
  });

  it('stays in clear when TLS is avoided, and sends commands one by one without PIPELINING', async () => {
    const conn = await SmtpConnection.connect({ address: '127.0.0.1', port: daemon.port, timeoutMs: 5000 });
    const d = new SmtpDialogue(conn, 5000);
    await d.open({ heloName: 'client.test', timeoutMs: 5000, tls: 'avoid' });
    assert.ok(!d.features.tls && !conn.isTls);
    assert.ok(d.features.extensions.has('STARTTLS'));
    d.features.pipelining = false;
    const replies = await d.commands(['MAIL FROM:<a@b.test>', 'RCPT TO:<nobody@x.test>']);
    assert.deepEqual(replies.map((r) => r.code), [250, 550]);
    await assert.rejects(d.expectOk('RCPT TO:<nobody@x.test>'), (e: DialogueError) =>
      e.permanent && e.message === 'SMTP error from remote mail server after RCPT TO:<nobody@x.test>: 550 no such user');
    await d.quit();
  });
});

describe('SmtpConnection and SmtpDialogue faults', () => {
  it('falls back to HELO when EHLO is refused', async () => {
    const seen: string[] = [];
    const srv = await scripted(async (sock, lines) => {
      sock.write('220 scripted\r\n');
      for await (const l of lines) {
        seen.push(l);
        if (l.startsWith('EHLO')) sock.write('502 no ESMTP here\r\n');
        else if (l.startsWith('QUIT')) {
          sock.write('221 bye\r\n');
          return;
        } else sock.write('250 ok\r\n');
      }
    });
    try {
      const d = new SmtpDialogue(await SmtpConnection.connect({ address: '127.0.0.1', port: srv.port, timeoutMs: 5000 }), 5000);
      await d.open({ heloName: 'client.test', timeoutMs: 5000 });
      assert.ok(!d.features.esmtp && !d.features.pipelining);
      await d.quit();
      assert.deepEqual(seen, ['EHLO client.test', 'HELO client.test', 'QUIT']);
    } finally {
      await srv.close();
    }
  });

  it('a refused greeting is a permanent DialogueError after the initial connection', async () => {
    const srv = await scripted(async (sock) => {
      sock.write('554-go\r\n554 away\r\n');
    });
    try {
      const d = new SmtpDialogue(await SmtpConnection.connect({ address: '127.0.0.1', port: srv.port, timeoutMs: 5000 }), 5000);
      await assert.rejects(d.open({ heloName: 'c.test', timeoutMs: 5000 }), (e: DialogueError) =>
        e.permanent && e.after === 'initial connection' && e.message === 'SMTP error from remote mail server after initial connection: 554-go\n554 away');
      await d.quit();
    } finally {
      await srv.close();
    }
  });

  it('silence, a hang-up and garbage are temporary failures in Exim\'s words', async () => {
    const silent = await scripted(() => new Promise((r) => setTimeout(r, 3000)));
    const hangup = await scripted(async () => {});
    const garbage = await scripted(async (sock) => {
      sock.write('hello there\r\n');
    });
    try {
      const open = async (port: number): Promise<DialogueError> => {
        const d = new SmtpDialogue(await SmtpConnection.connect({ address: '127.0.0.1', port, timeoutMs: 5000 }), 300);
        try {
          await d.open({ heloName: 'c.test', timeoutMs: 300 });
        } catch (e) {
          assert.ok(d.broken);
          await d.quit();
          return e as DialogueError;
        }
        throw new Error('open succeeded');
      };
      const t0 = Date.now();
      const timeout = await open(silent.port);
      assert.ok(Date.now() - t0 < 2500, 'the reply time limit was kept');
      assert.deepEqual([timeout.permanent, timeout.message], [false, 'SMTP timeout after initial connection']);
      const closed = await open(hangup.port);
      assert.equal(closed.message, 'Remote host closed connection in response to initial connection');
      const bad = await open(garbage.port);
      assert.equal(bad.message, 'Malformed SMTP reply ("hello there")');
    } finally {
      await Promise.all([silent.close(), hangup.close(), garbage.close()]);
    }
  });

  it('a refused connection is a ClientError saying so', async () => {
    const port = await freePort();
    await assert.rejects(SmtpConnection.connect({ address: '127.0.0.1', port, timeoutMs: 2000 }), (e: ClientError) =>
      e.kind === 'connect' && e.message === 'Connection refused');
  });
});
