// Server-side TLS: contexts from the tls_* options, STARTTLS and
// TLS-on-connect handshakes, and the $tls_in_* variables.

export { makeTlsServer, TlsHandshakeError, TlsSetupError, tlsErrorLogText, opensslErrorText } from './server.ts';
export type { TlsServer, TlsUpgrade, UpgradeOptions, ClientHost } from './server.ts';
export { setTlsVariables, clearTlsVariables, tlsVariables, cipherBits, onelineDn, type TlsInfo } from './info.ts';
export { isTlsOnConnectPort, tlsAdvertised } from './settings.ts';
export { cipherPolicy, isGnutlsPriority } from './ciphers.ts';
export { parseOpensslOptions } from './openssl-options.ts';
export { clearContextCache, tlsConfigWarnings } from './context.ts';
