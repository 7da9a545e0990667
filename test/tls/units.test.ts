import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { constants } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { newContext } from '../../src/expand/context.ts';
import { cipherBits, cipherPolicy, isGnutlsPriority, isTlsOnConnectPort, parseOpensslOptions, tlsAdvertised, tlsErrorLogText, opensslErrorText } from '../../src/tls/index.ts';
import { dhparamFor, dhParamsPem, dhPrimeBits } from '../../src/tls/dhparam.ts';

test('cipher bits as OpenSSL counts them', () => {
  assert.equal(cipherBits('TLS_AES_256_GCM_SHA384'), 256);
  assert.equal(cipherBits('TLS_AES_128_GCM_SHA256'), 128);
  assert.equal(cipherBits('TLS_CHACHA20_POLY1305_SHA256'), 256);
  assert.equal(cipherBits('ECDHE-RSA-AES128-GCM-SHA256'), 128);
  assert.equal(cipherBits('TLS_RSA_WITH_3DES_EDE_CBC_SHA'), 112);
  assert.equal(cipherBits('TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384'), 256);
  assert.equal(cipherBits('TLS_RSA_WITH_NULL_SHA256'), 0);
});

test('tls_require_ciphers: OpenSSL strings pass with _ made -, GnuTLS strings are translated', () => {
  assert.deepEqual(cipherPolicy(undefined), { warnings: [] });
  assert.deepEqual(cipherPolicy('  '), { warnings: [] });
  assert.equal(cipherPolicy('ECDHE_RSA_AES128_GCM_SHA256:!aNULL').ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:!aNULL');
  assert.equal(isGnutlsPriority('HIGH:!MD5'), false);
  assert.equal(isGnutlsPriority('NORMAL:%COMPAT'), true);
  assert.equal(isGnutlsPriority('SECURE128'), true);
  const p = cipherPolicy('NORMAL:-VERS-TLS1.3:%SERVER_PRECEDENCE:%COMPAT');
  assert.deepEqual([p.ciphers, p.minVersion, p.maxVersion, p.honorCipherOrder, p.warnings], ['DEFAULT', 'TLSv1.2', 'TLSv1.2', true, []]);
  const q = cipherPolicy('NONE:+VERS-TLS1.3:+AES-256-GCM');
  assert.deepEqual([q.minVersion, q.maxVersion], ['TLSv1.3', 'TLSv1.3']);
  assert.match(q.warnings[0], /"\+AES-256-GCM" has no OpenSSL equivalent/);
  assert.throws(() => cipherPolicy('NORMAL:-VERS-ALL'), /enables no protocol version/);
});

test('openssl_options: Exim\'s default and adjustments, unknown items refused', () => {
  const dflt = parseOpensslOptions('+no_sslv2 +no_sslv3 +single_dh_use +no_ticket +no_renegotiation');
  assert.equal(dflt, constants.SSL_OP_NO_SSLv3 | constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_RENEGOTIATION);
  assert.equal(parseOpensslOptions('+all -all +no_tlsv1'), constants.SSL_OP_NO_TLSv1);
  assert.ok(parseOpensslOptions('+all') > 0);
  assert.throws(() => parseOpensslOptions('+no_such_thing'), /unknown/);
  assert.throws(() => parseOpensslOptions('no_ticket'), /must start with \+ or -/);
});

test('tls_dhparam: none, default, IKE names, files with a size limit', () => {
  assert.equal(dhparamFor(undefined, 2236), 'auto');
  assert.equal(dhparamFor('none', 2236), undefined);
  const ike14 = dhparamFor('ike14', 2236)!;
  assert.equal(dhPrimeBits(ike14), 2048);
  assert.equal(dhPrimeBits(dhparamFor('ike16', 8192)!), 4096);
  const dh = crypto.getDiffieHellman('modp15');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-dh-'));
  const f = path.join(dir, 'dh.pem');
  fs.writeFileSync(f, dhParamsPem(dh.getPrime(), dh.getGenerator()));
  assert.equal(dhparamFor(f, 4096), fs.readFileSync(f, 'utf8'));
  assert.equal(dhparamFor(f, 2236), undefined, 'a 3072-bit prime is over tls_dh_max_bits');
  assert.throws(() => dhparamFor('/nonexistent', 2236), /cannot read/);
  assert.throws(() => dhparamFor('ffdhe2048', 2236), /not available in tern/);
  fs.rmSync(dir, { recursive: true });
});

test('tls_on_connect_ports and tls_advertise_hosts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-tlsopt-'));
  const f = path.join(dir, 'c');
  fs.writeFileSync(f, 'tls_on_connect_ports = 465 : 10465\ntls_advertise_hosts = ${if eq{$received_port}{25}{}{*}} \n');
  const config = loadConfig(f);
  assert.equal(isTlsOnConnectPort(config, 465), true);
  assert.equal(isTlsOnConnectPort(config, 25), false);
  const ctx = newContext();
  ctx.vars.set('received_port', { value: '25', tainted: false });
  assert.equal(await tlsAdvertised(config, { address: '192.0.2.1' }, ctx), false);
  ctx.vars.set('received_port', { value: '587', tainted: false });
  assert.equal(await tlsAdvertised(config, { address: '192.0.2.1' }, ctx), true);
  fs.rmSync(dir, { recursive: true });
});

test('log texts', () => {
  assert.equal(tlsErrorLogText({ address: '10.0.0.1', name: 'h.example' }, 'SSL_accept', 'x'), 'TLS error on connection from h.example [10.0.0.1] (SSL_accept): x');
  assert.equal(tlsErrorLogText({ address: '10.0.0.1', fullHost: '(helo) [10.0.0.1]' }, 'SSL_accept', 'x'), 'TLS error on connection from (helo) [10.0.0.1] (SSL_accept): x');
  assert.equal(opensslErrorText(new Error('40E7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record.c:355:')),
    'error:0A00010B:SSL routines::wrong version number');
});
