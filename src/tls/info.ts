// What a finished server handshake tells the session: the $tls_in_*
// values, in the forms an Exim built against OpenSSL gives them
// (cipher "TLS1.3:TLS_AES_256_GCM_SHA384:256", peer DN "/C=GB/O=x/CN=y").

import type { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import type { ExpandContext } from '../expand/context.ts';

export interface TlsInfo {
  /** $tls_in_cipher: version:cipher:bits. */
  cipher: string;
  /** $tls_in_cipher_std: the RFC (IANA) name of the suite. */
  cipherStd: string;
  /** $tls_in_ver: "TLS1.2", "TLS1.3". */
  version: string;
  /** $tls_in_bits: the cipher's secret-key bits. */
  bits: number;
  /** $tls_in_certificate_verified. */
  certificateVerified: boolean;
  /** Why the client's certificate did not verify (for logs), if it did not. */
  verifyError?: string;
  /** $tls_in_peerdn (empty when the client sent no certificate). */
  peerDn: string;
  /** $tls_in_peercert: the client's certificate, PEM (empty when none). */
  peerCert: string;
  /** $tls_in_sni: the name the client asked for (empty when none). */
  sni: string;
  /** $tls_in_ourcert: the certificate we presented, PEM. */
  ourCert: string;
  /** $tls_in_ocsp: 0 not requested, 1 requested but nothing to staple, 2 stapled (not verified by us). */
  ocsp: number;
  /** $tls_in_resumption bits: 1 supported, 4 client offered a session, 8 ticket issued, 16 resumed. */
  resumption: number;
  /** The ALPN protocol agreed, if any. */
  alpn?: string;
}

/** OpenSSL's secret-bits figure for a suite, read from its name. */
export function cipherBits(name: string): number {
  const n = name.toUpperCase().replace(/-/g, '_');
  if (/(^|_)NULL(_|$)/.test(n) && !/AES|CHACHA|CAMELLIA|ARIA|3DES|DES|RC4|SEED/.test(n)) return 0;
  if (/CHACHA20/.test(n)) return 256;
  if (/3DES|DES_CBC3|DES_EDE3/.test(n)) return 112;
  const m = /(AES|CAMELLIA|ARIA)_?(128|256)/.exec(n);
  if (m) return Number(m[2]);
  if (/RC4|SEED|IDEA/.test(n)) return 128;
  if (/(^|_)DES(_|$)/.test(n)) return 56;
  return 0;
}

/** "TLSv1.3" as Exim writes it: "TLS1.3". */
export function eximVersionName(protocol: string | null): string {
  if (!protocol) return '';
  return protocol.replace(/^TLSv/, 'TLS').replace(/^TLS1$/, 'TLS1.0');
}

/** OpenSSL's one-line form of a distinguished name: "/C=GB/O=Org/CN=name". */
export function onelineDn(cert: X509Certificate): string {
  const parts = cert.subject.split('\n').filter((l) => l !== '');
  return parts.map((p) => '/' + p).join('');
}

export interface HandshakeFacts {
  ocspRequested: boolean;
  ocspStapled: boolean;
  ticketsEnabled: boolean;
}

/** Read the $tls_in_* facts off a socket whose handshake has completed. */
export function tlsInfoOf(sock: tls.TLSSocket, facts: HandshakeFacts, verifyError: string | null): TlsInfo {
  const c = sock.getCipher();
  const version = eximVersionName(sock.getProtocol());
  const bits = cipherBits(c.standardName ?? c.name);
  const peer = sock.getPeerX509Certificate();
  const ours = sock.getX509Certificate();
  const reused = sock.isSessionReused();
  const servername = (sock as tls.TLSSocket & { servername?: string | false }).servername;
  return {
    cipher: `${version}:${c.name}:${bits}`,
    cipherStd: c.standardName ?? c.name,
    version,
    bits,
    certificateVerified: !!peer && verifyError === null,
    verifyError: peer && verifyError !== null ? verifyError : undefined,
    peerDn: peer ? onelineDn(peer) : '',
    peerCert: peer ? peer.toString() : '',
    sni: typeof servername === 'string' ? servername : '',
    ourCert: ours ? ours.toString() : '',
    ocsp: facts.ocspRequested ? (facts.ocspStapled ? 2 : 1) : 0,
    resumption: 1 | (reused ? 4 | 16 : 0) | (facts.ticketsEnabled && !reused ? 8 : 0),
    alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : undefined,
  };
}

/** The variables of a TLS session, by Exim name (the old $tls_* names refer to the inbound side here). */
export function tlsVariables(info: TlsInfo): Record<string, string> {
  const v: Record<string, string> = {
    tls_in_cipher: info.cipher,
    tls_in_cipher_std: info.cipherStd,
    tls_in_ver: info.version,
    tls_in_bits: String(info.bits),
    tls_in_certificate_verified: info.certificateVerified ? '1' : '0',
    tls_in_peerdn: info.peerDn,
    tls_in_peercert: info.peerCert,
    tls_in_sni: info.sni,
    tls_in_ourcert: info.ourCert,
    tls_in_ocsp: String(info.ocsp),
    tls_in_resumption: String(info.resumption),
  };
  v.tls_cipher = v.tls_in_cipher;
  v.tls_bits = v.tls_in_bits;
  v.tls_certificate_verified = v.tls_in_certificate_verified;
  v.tls_peerdn = v.tls_in_peerdn;
  v.tls_sni = v.tls_in_sni;
  return v;
}

/**
 * Put a TLS session's values into an expansion context. Values the client
 * chose (SNI, its certificate and DN) are tainted.
 */
export function setTlsVariables(ctx: ExpandContext, info: TlsInfo): void {
  const tainted = new Set(['tls_in_sni', 'tls_sni', 'tls_in_peerdn', 'tls_peerdn', 'tls_in_peercert']);
  for (const [name, value] of Object.entries(tlsVariables(info))) ctx.vars.set(name, { value, tainted: tainted.has(name) });
}

/** Remove TLS values (a session that ends TLS, or a new connection reusing a context). */
export function clearTlsVariables(ctx: ExpandContext): void {
  for (const name of Object.keys(tlsVariables({
    cipher: '', cipherStd: '', version: '', bits: 0, certificateVerified: false, peerDn: '', peerCert: '', sni: '', ourCert: '', ocsp: 0, resumption: 0,
  }))) ctx.vars.delete(name);
}
