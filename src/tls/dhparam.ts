// tls_dhparam for node's OpenSSL: "none" (no DHE), unset/empty/"default"
// (OpenSSL's automatic choice of an RFC 7919 group sized to the key; Exim
// would use its own prime here), a PEM file, or one of the IKE primes
// node knows by name. Exim's other named primes are a clear error.

import crypto from 'node:crypto';
import fs from 'node:fs';

export class DhparamError extends Error {
  override name = 'DhparamError';
}

const IKE_TO_MODP: Record<string, string> = {
  ike1: 'modp1', ike2: 'modp2', ike5: 'modp5', ike14: 'modp14', ike15: 'modp15', ike16: 'modp16', ike17: 'modp17', ike18: 'modp18',
};

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derInteger(b: Buffer): Buffer {
  const body = b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/** PKCS#3 DHParameter PEM for a prime and generator. */
export function dhParamsPem(prime: Buffer, generator: Buffer): string {
  const seqBody = Buffer.concat([derInteger(prime), derInteger(generator)]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(seqBody.length), seqBody]);
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN DH PARAMETERS-----\n${b64}\n-----END DH PARAMETERS-----\n`;
}

/** Bit length of the prime in a PKCS#3 PEM, or undefined if it cannot be read. */
export function dhPrimeBits(pem: string): number | undefined {
  const m = /-----BEGIN DH PARAMETERS-----([\s\S]*?)-----END DH PARAMETERS-----/.exec(pem);
  if (!m) return undefined;
  const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  let p = 0;
  const readLen = (): number => {
    let len = der[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p++];
    }
    return len;
  };
  if (der[p++] !== 0x30) return undefined;
  readLen();
  if (der[p++] !== 0x02) return undefined;
  let len = readLen();
  while (len > 0 && der[p] === 0) { p++; len--; }
  if (len === 0) return 0;
  return (len - 1) * 8 + (32 - Math.clz32(der[p]));
}

const namedCache = new Map<string, string>();

/** The node `dhparam` value for an expanded tls_dhparam; undefined means no DH. */
export function dhparamFor(value: string | undefined, maxBits: number): 'auto' | string | undefined {
  const v = (value ?? '').trim();
  if (v === '' || v === 'default') return 'auto';
  if (v === 'none') return undefined;
  if (v.startsWith('/')) {
    let pem: string;
    try {
      pem = fs.readFileSync(v, 'utf8');
    } catch (e) {
      throw new DhparamError(`tls_dhparam: cannot read ${v}: ${(e as Error).message}`);
    }
    const bits = dhPrimeBits(pem);
    if (bits === undefined) throw new DhparamError(`tls_dhparam: ${v} holds no PEM DH PARAMETERS`);
    // Exim with OpenSSL ignores a prime larger than tls_dh_max_bits.
    return bits > maxBits ? undefined : pem;
  }
  const modp = IKE_TO_MODP[v];
  if (modp) {
    let pem = namedCache.get(v);
    if (!pem) {
      const dh = crypto.getDiffieHellman(modp);
      pem = dhParamsPem(dh.getPrime(), dh.getGenerator());
      namedCache.set(v, pem);
    }
    return pem;
  }
  throw new DhparamError(`tls_dhparam "${v}" is not available in tern (use a file, "none", or ike1/2/5/14-18)`);
}
