// openssl_options: "+name -name ..." items adjusting OpenSSL's SSL_OP_*
// flags (the Exim names are the flags' names without SSL_OP_, in lower
// case). Flags that OpenSSL 3 no longer has (old bug workarounds) are
// accepted and do nothing, as they do in an Exim built against it.

import { constants } from 'node:crypto';

const FLAGS: Record<string, number> = {
  all: constants.SSL_OP_ALL,
  allow_no_dhe_kex: constants.SSL_OP_ALLOW_NO_DHE_KEX,
  allow_unsafe_legacy_renegotiation: constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION,
  cipher_server_preference: constants.SSL_OP_CIPHER_SERVER_PREFERENCE,
  cisco_anyconnect: constants.SSL_OP_CISCO_ANYCONNECT,
  cookie_exchange: constants.SSL_OP_COOKIE_EXCHANGE,
  cryptopro_tlsext_bug: constants.SSL_OP_CRYPTOPRO_TLSEXT_BUG,
  dont_insert_empty_fragments: constants.SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS,
  legacy_server_connect: constants.SSL_OP_LEGACY_SERVER_CONNECT,
  no_compression: constants.SSL_OP_NO_COMPRESSION,
  no_encrypt_then_mac: constants.SSL_OP_NO_ENCRYPT_THEN_MAC,
  no_query_mtu: constants.SSL_OP_NO_QUERY_MTU,
  no_renegotiation: constants.SSL_OP_NO_RENEGOTIATION,
  no_session_resumption_on_renegotiation: constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
  no_sslv2: constants.SSL_OP_NO_SSLv2,
  no_sslv3: constants.SSL_OP_NO_SSLv3,
  no_ticket: constants.SSL_OP_NO_TICKET,
  no_tlsv1: constants.SSL_OP_NO_TLSv1,
  no_tlsv1_1: constants.SSL_OP_NO_TLSv1_1,
  no_tlsv1_2: constants.SSL_OP_NO_TLSv1_2,
  no_tlsv1_3: constants.SSL_OP_NO_TLSv1_3,
  prioritize_chacha: constants.SSL_OP_PRIORITIZE_CHACHA,
  tls_rollback_bug: constants.SSL_OP_TLS_ROLLBACK_BUG,
  // Gone from OpenSSL 3 (defined as 0 there).
  ephemeral_rsa: 0, microsoft_big_sslv3_buffer: 0, microsoft_sess_id_bug: 0, msie_sslv2_rsa_padding: 0,
  netscape_challenge_bug: 0, netscape_reuse_cipher_change_bug: 0, safari_ecdhe_ecdsa_bug: 0, single_dh_use: 0,
  single_ecdh_use: 0, ssleay_080_client_dh_bug: 0, sslref2_reuse_cert_type_bug: 0, tls_block_padding_bug: 0,
  tls_d5_bug: 0, no_sslv2_compat: 0,
};

export class OpensslOptionsError extends Error {
  override name = 'OpensslOptionsError';
}

/** The SSL_OP_* bits that an openssl_options value gives. Throws for an unknown item. */
export function parseOpensslOptions(text: string): number {
  let bits = 0n;
  for (const item of text.split(/\s+/)) {
    if (!item) continue;
    const sign = item[0];
    if (sign !== '+' && sign !== '-') throw new OpensslOptionsError(`openssl_options item "${item}" must start with + or -`);
    const name = item.slice(1).toLowerCase();
    if (!Object.hasOwn(FLAGS, name)) throw new OpensslOptionsError(`openssl_options item "${item}" is unknown`);
    const flag = BigInt(FLAGS[name] >>> 0);
    bits = sign === '+' ? bits | flag : bits & ~flag;
  }
  return Number(bits);
}

/** Whether the bits include a flag (by Exim name). */
export function hasOpensslOption(bits: number, name: string): boolean {
  const f = FLAGS[name] ?? 0;
  return f !== 0 && (BigInt(bits >>> 0) & BigInt(f >>> 0)) !== 0n;
}

/** The bits without one flag (by Exim name). */
export function withoutOpensslOption(bits: number, name: string): number {
  const f = BigInt((FLAGS[name] ?? 0) >>> 0);
  return Number(BigInt(bits >>> 0) & ~f);
}
