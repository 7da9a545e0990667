// tls_require_ciphers for node's OpenSSL. An OpenSSL cipher string passes
// through (with Exim's "_" to "-" change); a GnuTLS priority string (what
// Debian's GnuTLS-built Exim reads) is translated where OpenSSL has an
// equivalent: the keyword base sets, protocol versions (+/-VERS-...), and
// %SERVER_PRECEDENCE. GnuTLS items with no equivalent are reported as
// warnings so the daemon can log them once instead of ignoring them silently.
// As in Exim with OpenSSL, the list does not restrict TLS 1.3 suites.

import type { SecureVersion } from 'node:tls';

export interface CipherPolicy {
  /** OpenSSL cipher list (TLS 1.2 and earlier), or undefined for the library default. */
  ciphers?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  honorCipherOrder?: boolean;
  warnings: string[];
}

const GNUTLS_BASES: Record<string, string> = {
  NORMAL: 'DEFAULT',
  PERFORMANCE: 'DEFAULT',
  LEGACY: 'DEFAULT',
  PFS: 'DEFAULT:!kRSA',
  SECURE: 'HIGH:!aNULL:!MD5',
  SECURE128: 'HIGH:!aNULL:!MD5',
  SECURE192: 'HIGH:!aNULL:!MD5:!AES128:!CAMELLIA128:!ARIA128',
  SECURE256: 'HIGH:!aNULL:!MD5:!AES128:!CAMELLIA128:!ARIA128',
  SUITEB128: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384',
  SUITEB192: 'ECDHE-ECDSA-AES256-GCM-SHA384',
};

const VERSIONS: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const GNUTLS_VERSION: Record<string, SecureVersion> = {
  'TLS1.0': 'TLSv1', 'TLS1.1': 'TLSv1.1', 'TLS1.2': 'TLSv1.2', 'TLS1.3': 'TLSv1.3',
};

/** Does this look like a GnuTLS priority string rather than an OpenSSL cipher list? */
export function isGnutlsPriority(text: string): boolean {
  const first = text.split(':')[0].toUpperCase();
  return Object.hasOwn(GNUTLS_BASES, first) || first === 'NONE' || /(^|:)[%+-]?(VERS|CTYPE|COMP|SIGN|GROUP|CURVE|MAC|KX)-/i.test(text);
}

function gnutlsPolicy(text: string): CipherPolicy {
  const warnings: string[] = [];
  const items = text.split(':').filter((s) => s !== '');
  const base = items[0].toUpperCase();
  const enabled = new Set<SecureVersion>(['TLSv1.2', 'TLSv1.3']);
  let ciphers = GNUTLS_BASES[base];
  let honor: boolean | undefined;
  if (base === 'NONE') {
    enabled.clear();
    ciphers = 'DEFAULT';
  }
  for (const item of items.slice(1)) {
    const m = /^([+-]|!)VERS-(.*)$/i.exec(item);
    if (m) {
      const which = m[2].toUpperCase();
      const add = m[1] === '+';
      const targets = which === 'ALL' || which === 'TLS-ALL' ? VERSIONS : GNUTLS_VERSION[which] ? [GNUTLS_VERSION[which]] : [];
      if (targets.length === 0 && which !== 'SSL3.0') warnings.push(`tls_require_ciphers: GnuTLS item "${item}" has no OpenSSL equivalent; ignored`);
      for (const v of targets) if (add) enabled.add(v); else enabled.delete(v);
      continue;
    }
    if (/^%SERVER_PRECEDENCE$/i.test(item)) { honor = true; continue; }
    if (/^%(COMPAT|LATEST_RECORD_VERSION|NO_EXTENSIONS|STATELESS_COMPRESSION|DUMBFW|NO_TICKETS|NO_SESSION_HASH|FORCE_ETM)$/i.test(item)) continue;
    warnings.push(`tls_require_ciphers: GnuTLS item "${item}" has no OpenSSL equivalent; ignored`);
  }
  const on = VERSIONS.filter((v) => enabled.has(v));
  if (on.length === 0) throw new CipherPolicyError(`tls_require_ciphers "${text}" enables no protocol version`);
  return { ciphers, minVersion: on[0], maxVersion: on[on.length - 1], honorCipherOrder: honor, warnings };
}

export class CipherPolicyError extends Error {
  override name = 'CipherPolicyError';
}

/** The policy an (expanded) tls_require_ciphers value gives; empty or unset means the defaults. */
export function cipherPolicy(text: string | undefined): CipherPolicy {
  if (text === undefined || text.trim() === '') return { warnings: [] };
  const t = text.trim();
  if (isGnutlsPriority(t)) return gnutlsPolicy(t);
  // OpenSSL complains about underscores; Exim changes them to hyphens for it.
  return { ciphers: t.replace(/_/g, '-'), warnings: [] };
}
