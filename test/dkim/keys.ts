// DKIM keys made for a test run, their DNS records, and signing with
// mailauth's signer. Shared by the DKIM and DMARC tests.

import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';

export interface TestKey {
  selector: string;
  privateKey: string;
  /** The zone-file line for <selector>._domainkey (relative to the zone apex). */
  record: string;
}

/** TXT character-strings are at most 255 bytes: a long key is split into several. */
function txt(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 200) parts.push(`"${value.slice(i, i + 200)}"`);
  return parts.join(' ');
}

export function rsaKey(selector: string, bits = 2048, extraTags = ''): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `${selector}._domainkey TXT ${txt(`v=DKIM1; k=rsa;${extraTags} p=${p}`)}`,
  };
}

export function ed25519Key(selector: string): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // the record holds the raw 32-byte key: the SPKI form without its 12-byte prefix (RFC 8463)
  const p = publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
  return {
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `${selector}._domainkey TXT ${txt(`v=DKIM1; k=ed25519; p=${p}`)}`,
  };
}

export interface Signer {
  domain: string;
  key: TestKey;
  /** i= */
  identity?: string;
  canonicalization?: string;
}

/** The message with a DKIM-Signature per signer prepended (CRLF line ends). */
export async function signMessage(message: string, signers: Signer[]): Promise<string> {
  const crlf = message.replace(/\r?\n/g, '\r\n');
  const res = await dkimSign(crlf, {
    signingDomain: signers[0].domain,
    selector: signers[0].key.selector,
    privateKey: signers[0].key.privateKey,
    signatureData: signers.map((s) => ({
      signingDomain: s.domain,
      selector: s.key.selector,
      privateKey: s.key.privateKey,
      canonicalization: s.canonicalization ?? 'relaxed/relaxed',
      ...(s.identity ? { identity: s.identity } : {}),
    })),
  });
  if (res.errors.length > 0) throw new Error(`signing failed: ${JSON.stringify(res.errors)}`);
  return res.signatures + crlf;
}
