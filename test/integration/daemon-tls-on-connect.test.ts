// tls_on_connect_ports through the daemon: the primary marks connections to
// those ports, the real SMTP session starts TLS before its banner.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { daemonEnv, freePort, readLog, startForeground } from '../daemon/helpers.ts';
import { testCerts } from '../helpers/certs.ts';

function firstLine(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\r\n')) resolve(buf.slice(0, buf.indexOf('\r\n')));
    });
    s.on('error', reject);
  });
}

test('tls_on_connect_ports: TLS first on those ports, plain SMTP on the others', async () => {
  const certs = testCerts();
  const tlsPort = await freePort();
  const e = await daemonEnv([
    `tls_on_connect_ports = ${tlsPort}`,
    `tls_certificate = ${certs.serverCert}`,
    `tls_privatekey = ${certs.serverKey}`,
  ].join('\n'), { session: 'real', workers: 1 });
  const d = await startForeground(e, ['-oX', `${e.port} : ${tlsPort}`]);
  try {
    assert.match(readLog(e), new RegExp(`listening for SMTP on \\[127\\.0\\.0\\.1\\]:${e.port} \\[::1\\]:${e.port} and for SMTPS on \\[127\\.0\\.0\\.1\\]:${tlsPort} \\[::1\\]:${tlsPort}`));
    const plain = net.connect(e.port, '127.0.0.1');
    assert.match(await firstLine(plain), /^220 /);
    plain.destroy();
    const secure = tls.connect({ port: tlsPort, host: '127.0.0.1', ca: fs.readFileSync(certs.caCert), servername: 'localhost' });
    assert.match(await firstLine(secure), /^220 /);
    assert.equal(secure.authorized, true);
    secure.destroy();
  } finally {
    d.kill();
  }
});
