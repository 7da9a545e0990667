// The server TLS options of one connection, expanded with the session's
// variables. Options that name files are re-expanded during the handshake
// when tls_certificate mentions tls_in_sni (spec: "Use of TLS Server Name
// Indication"); the rest are fixed when the connection starts TLS.

import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { ExpandError, ForcedFail } from '../expand/errors.ts';
import { expandStringAsync } from '../expand/index.ts';
import { matchHostList, splitList, traceOptionUnset } from '../lists/index.ts';
import type { HostSubject } from '../lists/index.ts';
import { runSuspendable } from '../util/suspend.ts';

/** A problem with the TLS configuration found when a connection starts TLS (454 for STARTTLS). */
export class TlsSetupError extends Error {
  override name = 'TlsSetupError';
  /** What was being set up, as in Exim's "(cert/key setup: ...)" log part. */
  readonly action: string;
  constructor(action: string, message: string) {
    super(message);
    this.action = action;
  }
}

/** The options re-expanded for SNI: everything that names certificate material. */
export interface CertSettings {
  certFiles: string[];
  keyFiles: string[];
  /** "system", a file or directory path, or undefined (unset/forced fail/empty). */
  verifyCertificates: string | undefined;
  crl: string | undefined;
  ocspFile: string | undefined;
}

export interface ConnectionSettings extends CertSettings {
  requireCiphers: string | undefined;
  dhparam: string | undefined;
  dhMaxBits: number;
  ecCurves: string[];
  alpn: string[];
  /** Client certificates: not asked for, asked for, or required. */
  verify: 'none' | 'try' | 'require';
  resumption: boolean;
  /** Whether the certificate options are re-expanded when the client sends SNI. */
  sniDependent: boolean;
}

function raw(config: Config, name: string): string | undefined {
  const v = config.getOption(name);
  if (v.kind === 'unset') return undefined;
  return optionString(config, name);
}

/** Expand an option; forced failure counts as unset, as the TLS options say. */
async function expandOption(config: Config, name: string, ctx: ExpandContext): Promise<string | undefined> {
  const text = raw(config, name);
  if (text === undefined) return undefined;
  try {
    return await expandStringAsync(text, ctx);
  } catch (e) {
    if (e instanceof ForcedFail) return undefined;
    if (e instanceof ExpandError) throw new TlsSetupError(`expansion of ${name}`, e.message);
    throw e;
  }
}

async function hostMatches(config: Config, name: string, host: HostSubject, ctx: ExpandContext): Promise<boolean> {
  const list = await expandOption(config, name, ctx);
  if (list === undefined || list === '') {
    traceOptionUnset(ctx, 'host', name);
    return false;
  }
  const r = await runSuspendable(ctx.memo, () => matchHostList(host, list, ctx, { label: name }));
  return r.result === 'ok';
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());

/** The certificate options, expanded now (with $tls_in_sni as the context holds it). */
export async function expandCertSettings(config: Config, ctx: ExpandContext): Promise<CertSettings> {
  const certText = await expandOption(config, 'tls_certificate', ctx);
  const certFiles = certText === undefined ? [] : [...splitList(certText)];
  const keyText = nonEmpty(await expandOption(config, 'tls_privatekey', ctx));
  const keyFiles = keyText === undefined ? certFiles : [...splitList(keyText)];
  if (keyFiles.length !== certFiles.length) {
    throw new TlsSetupError(`cert/key setup: cert=${certText ?? ''} key=${keyText ?? ''}`, 'tls_certificate and tls_privatekey lists differ in length');
  }
  for (const f of [...certFiles, ...keyFiles]) {
    if (!f.startsWith('/')) throw new TlsSetupError(`cert/key setup: cert=${certText ?? ''} key=${keyText ?? ''}`, `"${f}" is not an absolute path`);
  }
  return {
    certFiles,
    keyFiles,
    verifyCertificates: nonEmpty(await expandOption(config, 'tls_verify_certificates', ctx)),
    crl: nonEmpty(await expandOption(config, 'tls_crl', ctx)),
    ocspFile: nonEmpty(await expandOption(config, 'tls_ocsp_file', ctx)),
  };
}

/** All the server TLS options for a connection from `host`. */
export async function expandConnectionSettings(config: Config, host: HostSubject, ctx: ExpandContext): Promise<ConnectionSettings> {
  const cert = await expandCertSettings(config, ctx);
  // in Exim's order (its -bh trace shows them): resumption, then verification
  const resumption = await hostMatches(config, 'tls_resumption_hosts', host, ctx);
  const verify = (await hostMatches(config, 'tls_verify_hosts', host, ctx))
    ? 'require'
    : (await hostMatches(config, 'tls_try_verify_hosts', host, ctx)) ? 'try' : 'none';
  const curves = nonEmpty(await expandOption(config, 'tls_eccurve', ctx)) ?? 'auto';
  const alpn = await expandOption(config, 'tls_alpn', ctx);
  const maxBits = config.getOption('tls_dh_max_bits');
  return {
    ...cert,
    requireCiphers: nonEmpty(await expandOption(config, 'tls_require_ciphers', ctx)),
    dhparam: await expandOption(config, 'tls_dhparam', ctx),
    dhMaxBits: maxBits.kind === 'number' ? maxBits.value : 2236,
    ecCurves: [...splitList(curves)],
    alpn: alpn === undefined ? [] : [...splitList(alpn)],
    verify,
    resumption,
    sniDependent: (raw(config, 'tls_certificate') ?? '').includes('tls_in_sni'),
  };
}

/** Is `port` one of tls_on_connect_ports? */
export function isTlsOnConnectPort(config: Config, port: number): boolean {
  const text = raw(config, 'tls_on_connect_ports');
  if (text === undefined) return false;
  return splitList(text).some((p) => Number(p) === port);
}

/** tls_advertise_hosts: should STARTTLS be offered to this client? */
export async function tlsAdvertised(config: Config, host: HostSubject, ctx: ExpandContext): Promise<boolean> {
  return hostMatches(config, 'tls_advertise_hosts', host, ctx);
}
