// SecureContexts from expanded settings. Building one parses keys and
// certificates, so contexts are cached by what went into them: the
// settings and the files' identity (path, size, mtime), which also makes a
// replaced certificate file take effect for the next connection.

import crypto, { constants } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { cipherPolicy, CipherPolicyError } from './ciphers.ts';
import { dhparamFor, DhparamError } from './dhparam.ts';
import { withoutOpensslOption } from './openssl-options.ts';
import { makeSelfSigned } from './self-signed.ts';
import { TlsSetupError, type CertSettings, type ConnectionSettings } from './settings.ts';

/** What a built context knows about itself. */
export interface BuiltContext {
  context: tls.SecureContext;
  /** PEM of the certificates it presents (for $tls_in_ourcert when the library cannot say). */
  ourCerts: string[];
  /** The OCSP response to staple (DER), if tls_ocsp_file gave one. */
  ocspResponse?: Buffer;
  ticketsEnabled: boolean;
}

const cache = new Map<string, BuiltContext>();

/** Configuration parts that had no OpenSSL equivalent (GnuTLS priority items); the daemon logs them once. */
export const tlsConfigWarnings = new Set<string>();
const CACHE_MAX = 200;

function fileStamp(p: string | undefined): string {
  if (!p) return '';
  try {
    const st = fs.statSync(p);
    return `${p}:${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return `${p}:missing`;
  }
}

function readFile(p: string, action: string): Buffer {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    throw new TlsSetupError(action, (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${p}: No such file or directory` : (e as Error).message);
  }
}

/** Certificates in a file, or in each file of a directory (OpenSSL's hashed-directory layout included). */
function readCaMaterial(p: string, action: string): Buffer[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new TlsSetupError(action, `${p}: No such file or directory`);
  }
  if (!st.isDirectory()) return [readFile(p, action)];
  const out: Buffer[] = [];
  for (const name of fs.readdirSync(p).sort()) {
    const full = path.join(p, name);
    try {
      if (fs.statSync(full).isFile()) out.push(fs.readFileSync(full));
    } catch { /* dangling links are skipped, as OpenSSL skips them */ }
  }
  return out;
}

/** Process-wide ticket keys for session resumption (rotated by restarting; Exim rotates hourly). */
let ticketKeys: Buffer | undefined;
let ticketKeysMade = 0;
const TICKET_KEY_LIFETIME_MS = 3600_000;
function currentTicketKeys(): Buffer {
  if (!ticketKeys || Date.now() - ticketKeysMade > TICKET_KEY_LIFETIME_MS) {
    ticketKeys = crypto.randomBytes(48);
    ticketKeysMade = Date.now();
  }
  return ticketKeys;
}

let selfSigned: { cert: string; key: string } | undefined;
function selfSignedFor(hostname: string): { cert: string; key: string } {
  selfSigned ??= makeSelfSigned(hostname);
  return selfSigned;
}

/** SSL_OP_NO_TICKET cleared when tickets are offered, set otherwise. */
function withTicketBit(bits: number, tickets: boolean): number {
  const without = withoutOpensslOption(bits, 'no_ticket');
  return tickets ? without : without + constants.SSL_OP_NO_TICKET;
}

export interface ContextInputs {
  settings: ConnectionSettings;
  cert: CertSettings;
  opensslOptions: number;
  hostname: string;
}

/** The context for these settings (cached). Throws TlsSetupError with Exim-like action texts. */
export function secureContextFor(inp: ContextInputs): BuiltContext {
  const { settings: s, cert: c } = inp;
  // Offering resumption overrides openssl_options' no_ticket, as Exim does for tls_resumption_hosts.
  const tickets = s.resumption;
  const key = JSON.stringify([
    c.certFiles.map(fileStamp), c.keyFiles.map(fileStamp), s.verify === 'none' ? '' : [c.verifyCertificates, fileStamp(c.verifyCertificates)],
    s.verify === 'none' ? '' : [c.crl, fileStamp(c.crl)], fileStamp(c.ocspFile), s.requireCiphers, s.dhparam, s.dhMaxBits, s.ecCurves,
    inp.opensslOptions, tickets, c.certFiles.length === 0 ? inp.hostname : '',
  ]);
  const hit = cache.get(key);
  if (hit) return hit;
  const built = build(inp, tickets);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, built);
  return built;
}

function build(inp: ContextInputs, tickets: boolean): BuiltContext {
  const { settings: s, cert: c } = inp;
  const certAction = `cert/key setup: cert=${c.certFiles.join(':')} key=${c.keyFiles.join(':')}`;
  let certs: (string | Buffer)[];
  let keys: (string | Buffer)[];
  if (c.certFiles.length === 0) {
    const ss = selfSignedFor(inp.hostname);
    certs = [ss.cert];
    keys = [ss.key];
  } else {
    certs = c.certFiles.map((f) => readFile(f, certAction));
    keys = c.keyFiles.map((f) => readFile(f, certAction));
  }
  let policy;
  try {
    policy = cipherPolicy(s.requireCiphers);
  } catch (e) {
    if (e instanceof CipherPolicyError) throw new TlsSetupError('SSL_CTX_set_cipher_list', e.message);
    throw e;
  }
  for (const w of policy.warnings) tlsConfigWarnings.add(w);
  let dhparam: string | undefined;
  try {
    dhparam = dhparamFor(s.dhparam, s.dhMaxBits);
  } catch (e) {
    if (e instanceof DhparamError) throw new TlsSetupError('tls_dhparam', e.message);
    throw e;
  }
  const opts: tls.SecureContextOptions = {
    cert: certs,
    key: keys,
    secureOptions: withTicketBit(inp.opensslOptions, tickets),
    ecdhCurve: s.ecCurves.length === 0 || (s.ecCurves.length === 1 && s.ecCurves[0] === 'auto') ? 'auto' : s.ecCurves.join(':'),
    sessionIdContext: 'tern-smtp',
  };
  if (dhparam !== undefined) opts.dhparam = dhparam;
  if (policy.ciphers !== undefined) {
    // Keep node's TLS 1.3 suites: the option restricts TLS 1.2 and earlier only.
    opts.ciphers = `${tls.DEFAULT_CIPHERS.split(':').filter((x) => x.startsWith('TLS_')).join(':')}:${policy.ciphers}`;
  }
  if (policy.minVersion) opts.minVersion = policy.minVersion;
  if (policy.maxVersion) opts.maxVersion = policy.maxVersion;
  if (policy.honorCipherOrder !== undefined) opts.honorCipherOrder = policy.honorCipherOrder;
  if (tickets) opts.ticketKeys = currentTicketKeys();
  if (s.verify !== 'none' && c.verifyCertificates !== undefined && c.verifyCertificates !== 'system') {
    // An explicit file or directory: these anchors (and their names, sent in
    // the certificate request) replace node's default store.
    opts.ca = readCaMaterial(c.verifyCertificates, 'tls_verify_certificates');
  }
  if (s.verify !== 'none' && c.crl) opts.crl = readCaMaterial(c.crl, 'tls_crl');
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext(opts);
  } catch (e) {
    const msg = (e as Error).message;
    const action = /cipher/i.test(msg) ? 'SSL_CTX_set_cipher_list' : /dh|curve|group/i.test(msg) ? 'DH/EC setup' : certAction;
    throw new TlsSetupError(action, msg);
  }
  let ocspResponse: Buffer | undefined;
  if (c.ocspFile) ocspResponse = readOcsp(c.ocspFile);
  return { context, ourCerts: certs.map(String), ocspResponse, ticketsEnabled: tickets };
}

/** tls_ocsp_file: DER by default; "PEM "/"DER " prefixes set the format (only the first file is used). */
function readOcsp(spec: string): Buffer | undefined {
  let format = 'DER';
  let file = spec.split(':')[0].trim();
  const m = /^(DER|PEM)\s+(.*)$/.exec(file);
  if (m) {
    format = m[1];
    file = m[2];
  }
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined; // Exim carries on without stapling when the proof is missing
  }
  if (format === 'PEM') {
    const b = /-----BEGIN [^-]+-----([\s\S]*?)-----END/.exec(data.toString('latin1'));
    return b ? Buffer.from(b[1].replace(/\s+/g, ''), 'base64') : undefined;
  }
  return data;
}

/** Forget cached contexts (configuration reload). */
export function clearContextCache(): void {
  cache.clear();
}
