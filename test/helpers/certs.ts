// Test certificates made with the openssl command: a CA, server
// certificates (RSA and EC, with SANs for SNI tests), a client certificate
// from the CA, a self-signed client certificate the CA did not issue, and
// a CRL revoking a second CA-issued client certificate. Made once per test
// process into a temporary directory that is removed at exit.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  caKey: string;
  /** RSA server certificate: CN mx.example.com, SANs mx.example.com, localhost, 127.0.0.1. */
  serverCert: string;
  serverKey: string;
  /** EC (P-256) server certificate for the same names. */
  serverEcCert: string;
  serverEcKey: string;
  /** Certificate and key in one file (tls_privatekey unset). */
  serverCombined: string;
  /** RSA certificate for SNI: CN other.example.org. */
  otherCert: string;
  otherKey: string;
  /** Client certificate issued by the CA: subject /C=GB/O=Tern Test/CN=client.example.com. */
  clientCert: string;
  clientKey: string;
  /** Client certificate issued by the CA and revoked in `crl`. */
  revokedCert: string;
  revokedKey: string;
  crl: string;
  /** Self-signed client certificate (not issued by the CA). */
  rogueCert: string;
  rogueKey: string;
}

let made: TestCerts | undefined;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subj: string, opts: { ec?: boolean; san?: string; client?: boolean }): void {
  const keyArgs = opts.ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  openssl(dir, ['req', '-new', '-nodes', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
  const ext = [
    'basicConstraints=CA:FALSE',
    `extendedKeyUsage=${opts.client ? 'clientAuth' : 'serverAuth'}`,
    ...(opts.san ? [`subjectAltName=${opts.san}`] : []),
  ].join('\n');
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext + '\n');
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

/** The test certificates (made on first call). */
export function testCerts(): TestCerts {
  if (made) return made;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-certs-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  openssl(dir, ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30',
    '-subj', '/C=GB/O=Tern Test/CN=Tern Test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const san = 'DNS:mx.example.com,DNS:localhost,IP:127.0.0.1';
  issue(dir, 'server', '/C=GB/O=Tern Test/CN=mx.example.com', { san });
  issue(dir, 'server-ec', '/C=GB/O=Tern Test/CN=mx.example.com', { san, ec: true });
  issue(dir, 'other', '/C=GB/O=Tern Test/CN=other.example.org', { san: 'DNS:other.example.org' });
  issue(dir, 'client', '/C=GB/O=Tern Test/CN=client.example.com', { client: true });
  issue(dir, 'revoked', '/C=GB/O=Tern Test/CN=revoked.example.com', { client: true });
  openssl(dir, ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '30',
    '-subj', '/C=GB/O=Rogue/CN=rogue.example.com']);
  // A CRL: openssl ca wants a small database.
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'crlnumber'), '01\n');
  fs.writeFileSync(path.join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'crlnumber = $dir/crlnumber',
    'certificate = $dir/ca.crt', 'private_key = $dir/ca.key', 'default_md = sha256', 'default_crl_days = 30', '',
  ].join('\n'));
  openssl(dir, ['ca', '-config', 'ca.cnf', '-revoke', 'revoked.crt']);
  openssl(dir, ['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl']);
  const f = (n: string) => path.join(dir, n);
  fs.writeFileSync(f('server-combined.pem'), fs.readFileSync(f('server.crt'), 'utf8') + fs.readFileSync(f('server.key'), 'utf8'));
  made = {
    dir, caCert: f('ca.crt'), caKey: f('ca.key'),
    serverCert: f('server.crt'), serverKey: f('server.key'),
    serverEcCert: f('server-ec.crt'), serverEcKey: f('server-ec.key'),
    serverCombined: f('server-combined.pem'),
    otherCert: f('other.crt'), otherKey: f('other.key'),
    clientCert: f('client.crt'), clientKey: f('client.key'),
    revokedCert: f('revoked.crt'), revokedKey: f('revoked.key'), crl: f('ca.crl'),
    rogueCert: f('rogue.crt'), rogueKey: f('rogue.key'),
  };
  return made;
}
