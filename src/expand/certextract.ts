// ${certextract{field}{$tls_in_peercert}{yes}{no}}: fields of a certificate
// held (as PEM text) in one of the certificate variables.

import { X509Certificate } from 'node:crypto';
import type { ItemNode } from './ast.ts';
import { ExpandError } from './errors.ts';
import { evalSeq, variableValue, withValue, yesNo, type EvalState } from './evaluate.ts';
import { joinList } from './list.ts';

const CERT_VARS = new Set(['tls_in_peercert', 'tls_in_ourcert', 'tls_out_peercert', 'tls_out_ourcert']);

/** Exim's time format for notbefore/notafter: "Jan  1 00:00:00 2025 GMT" style from OpenSSL. */
function certTime(s: string, asInt: boolean): string {
  if (asInt) return String(Math.floor(Date.parse(s) / 1000));
  return s;
}

function field(cert: X509Certificate, spec: string): string | null {
  const [name, ...mods] = spec.split(',');
  let sep = '\n';
  const rest: string[] = [];
  for (const m of mods) {
    if (m.startsWith('>')) sep = m.slice(1);
    else rest.push(m);
  }
  switch (name) {
    case 'version': return String((cert.toLegacyObject() as unknown as { version?: number }).version ?? 3);
    case 'serial_number': return cert.serialNumber.toLowerCase();
    case 'subject':
    case 'issuer': {
      const dn = (name === 'subject' ? cert.subject : cert.issuer).split('\n');
      if (rest.length) {
        const want = rest[0].toUpperCase();
        return joinList(dn.filter((r) => r.toUpperCase().startsWith(want + '=')).map((r) => r.slice(want.length + 1)), sep);
      }
      return dn.reverse().join(',');
    }
    case 'notbefore': return certTime(cert.validFrom, rest.includes('int'));
    case 'notafter': return certTime(cert.validTo, rest.includes('int'));
    case 'sig_algorithm': return cert.signatureAlgorithm ?? null;
    case 'subj_altname': {
      const alt = cert.subjectAltName;
      if (!alt) return null;
      const tags: Record<string, string> = { DNS: 'DNS', URI: 'URI', email: 'MAIL', 'IP Address': 'IP' };
      const items: string[] = [];
      for (const part of alt.split(', ')) {
        const c = part.indexOf(':');
        const tag = tags[part.slice(0, c)] ?? part.slice(0, c);
        const val = part.slice(c + 1);
        if (rest.length) {
          if (tag.toLowerCase() === rest[0].toLowerCase() || (rest[0] === 'mail' && tag === 'MAIL')) items.push(val);
        } else items.push(`${tag}=${val}`);
      }
      return joinList(items, sep);
    }
    case 'ocsp_uri':
    case 'crl_uri': {
      const info = cert.infoAccess ?? '';
      const want = name === 'ocsp_uri' ? 'OCSP - URI:' : 'CRL - URI:';
      const items = info.split('\n').filter((l) => l.startsWith(want)).map((l) => l.slice(want.length));
      return joinList(items, sep);
    }
  }
  return null;
}

export function certExtract(node: ItemNode, st: EvalState): string {
  const a = node.args;
  const fieldName = evalSeq(a[0], st);
  const certArg = a[1];
  if (certArg.length !== 1 || certArg[0].k !== 'var' || !CERT_VARS.has(certArg[0].name)) {
    throw new ExpandError('second argument of "certextract" must be a certificate variable');
  }
  const pem = variableValue(certArg[0].name, st);
  let value: string | null = null;
  if (pem) {
    try {
      value = field(new X509Certificate(pem), fieldName);
    } catch (e) {
      throw new ExpandError(`certextract: ${(e as Error).message}`);
    }
  }
  return withValue(st, value === null ? st.value : { value, tainted: true }, () =>
    yesNo(value !== null, a[2], a[3], node.fail, 'certextract', st, value ?? '', node.tailError));
}
