// Builtin macros (spec "Builtin macros"): _HAVE_* for features, _DRIVER_* for
// driver types, _OPT_* for every option name. Configurations test them with
// .ifdef to stay portable across builds, so they must describe tern honestly.

import { DRIVER_NAMES, OPTION_TABLE } from './options-table.ts';

/**
 * Features of tern's compatibility contract (docs/DESIGN). A configuration
 * written for an Exim with these features must load unchanged.
 * Deliberately absent: _HAVE_GNUTLS (tern's TLS is OpenSSL via Node),
 * _HAVE_PERL, _HAVE_PAM, _HAVE_DLFUNC, _HAVE_SOCKS, _HAVE_CONTENT_SCANNING.
 */
const FEATURES = [
  'IPV6', 'TLS', 'OPENSSL', 'TLS_RESUME', 'TLS_ALPN', 'TLS1_3', 'DANE', 'DKIM', 'DNSSEC', 'EVENT', 'I18N',
  'PRDR', 'PROXY', 'PIPE_CONNECT', 'SPF', 'SRS', 'NATIVE_SRS', 'DMARC', 'ARC', 'ESMTP_LIMITS', 'WELLKNOWN',
  'CRYPTEQ', 'ICONV', 'MOVE_FROZEN_MESSAGES', 'XCLIENT', 'ATRN', 'REQUIRETLS',
  'TRANSPORT_APPEND_MAILDIR',
];

/** The same features as Exim's -bV "Support for:" line spells them. */
export const SUPPORT_FOR = [
  'Content_Scanning', 'crypteq', 'iconv()', 'IPv6', 'OpenSSL', 'move_frozen_messages', 'TLS_resume', 'DANE', 'DKIM', 'DNSSEC',
  'ESMTP_Limits', 'ESMTP_Wellknown', 'Event', 'I18N', 'PIPECONNECT', 'PRDR', 'PROXY', 'SPF', 'SRS', 'DMARC', 'ARC',
  'XCLIENT',
];

/** Lookup types tern provides (src/lookups). */
const LOOKUPS = ['LSEARCH', 'DSEARCH', 'DNSDB', 'CDB', 'SQLITE', 'JSON', 'REDIS', 'LMDB'];

const KIND_SINGULAR: Record<string, string> = { routers: 'ROUTER', transports: 'TRANSPORT', authenticators: 'AUTHENTICATOR' };

let cached: [string, string][] | undefined;

/** Name/value pairs, each with value "y" as Exim defines them. */
export function builtinMacros(): [string, string][] {
  if (cached) return cached;
  const out: [string, string][] = [];
  for (const f of FEATURES) out.push([`_HAVE_${f}`, 'y']);
  for (const l of LOOKUPS) out.push([`_HAVE_LOOKUP_${l}`, 'y']);
  for (const [kind, drivers] of Object.entries(DRIVER_NAMES)) {
    for (const d of drivers) out.push([`_DRIVER_${KIND_SINGULAR[kind]}_${d.toUpperCase()}`, 'y']);
  }
  for (const [scope, rows] of Object.entries(OPTION_TABLE)) {
    let prefix: string;
    if (scope === 'main') prefix = '_OPT_MAIN_';
    else if (KIND_SINGULAR[scope]) prefix = `_OPT_${scope.toUpperCase()}_`;
    else {
      const kind = Object.keys(DRIVER_NAMES).find((k) => DRIVER_NAMES[k as keyof typeof DRIVER_NAMES].includes(scope))!;
      prefix = `_OPT_${KIND_SINGULAR[kind]}_${scope.toUpperCase()}_`;
    }
    for (const r of rows) out.push([prefix + r[0].toUpperCase(), 'y']);
  }
  cached = out;
  return out;
}
