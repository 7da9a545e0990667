// DKIM verification of a received message (spec section "Verifying DKIM
// signatures in incoming mail"): every DKIM-Signature is checked by mailauth
// over tern's resolver, and each outcome is described in Exim's terms:
// $dkim_verify_status (pass, fail, invalid, none), $dkim_verify_reason, and
// the details the $dkim_* variables, the "DKIM:" log line and ${authresults}
// show. Signatures whose hash or key type the dkim_verify_hashes /
// dkim_verify_keytypes lists do not name are ignored, as in Exim.

import { createPublicKey } from 'node:crypto';
import type { DKIMResult } from 'mailauth';
import { mailauthResolver, type MailauthResolver } from '../spf/mailauth-resolver.ts';
import { decodeDkimQp, parseSignatureTags, signatureHeaders, type SignatureTags } from './signature-tags.ts';

export type DkimStatus = 'pass' | 'fail' | 'invalid' | 'none';

/** Why a signature is not "pass", in the classes Exim tells apart. */
export type DkimProblem =
  | 'pubkey_unavailable' | 'pubkey_dns_syntax' | 'signature_error' | 'bodyhash_mismatch' | 'signature_incorrect'
  | 'pubkey_too_short' | 'not_verified' | 'unspecified';

export interface DkimSignature {
  domain: string;
  selector: string;
  /** i=, or "" when the signature has none. */
  identity: string;
  algo: string;
  canonHeaders: string;
  canonBody: string;
  /** h= as a colon-separated list. */
  headerNames: string;
  copiedHeaders: string;
  /** l=, or "9999999999999" when the whole body is signed. */
  bodyLength: string;
  created: string;
  expires: string;
  /** Bits of the public key (0 until it was loaded). */
  keyLength: number;
  /** Bits of the signature value (the log line's b=). */
  signatureBits: number;
  keyTesting: boolean;
  keyNoSubdomains: boolean;
  keySrvtype: string;
  keyGranularity: string;
  keyNotes: string;
  status: DkimStatus;
  problem?: DkimProblem;
}

export interface DkimVerifyOptions {
  /** dkim_verify_hashes, lower case. */
  hashes: readonly string[];
  /** dkim_verify_keytypes, lower case. */
  keytypes: readonly string[];
  /** dkim_verify_min_keysizes: smallest key per key type, in bits. */
  minKeySizes: ReadonlyMap<string, number>;
  /** dkim_verify_minimal: stop after the first passing signature. */
  minimal: boolean;
  resolver?: MailauthResolver;
}

const NO_LIMIT = '9999999999999';

/**
 * $dkim_verify_reason for each problem (Exim's words; empty where it has none).
 * A bad key record is "pubkey_dns_syntax" as Exim 4.98 says it (the spec's
 * older name is "pubkey_syntax").
 */
export function verifyReason(s: DkimSignature): string {
  switch (s.problem) {
    case 'pubkey_unavailable': case 'pubkey_dns_syntax': case 'bodyhash_mismatch': case 'signature_incorrect': case 'pubkey_too_short':
      return s.problem;
    default:
      return '';
  }
}

/** "rsa=1024 ed25519=250" (list items "type=bits") as a map. */
export function parseMinKeySizes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of text.split(/[\s:,]+/)) {
    const eq = item.indexOf('=');
    if (eq > 0 && /^\d+$/.test(item.slice(eq + 1))) out.set(item.slice(0, eq).toLowerCase(), Number(item.slice(eq + 1)));
  }
  return out;
}

/** Bits of an RSA public key given as base64 SPKI (a key record's p=); 0 when it does not load. */
function rsaKeyBits(p: string | undefined): number {
  if (!p) return 0;
  try {
    return createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength ?? 0;
  } catch {
    return 0;
  }
}

function keyTags(rr: string | undefined): Map<string, string> {
  return rr ? parseSignatureTags(rr).tags : new Map();
}

/** Exim's status and problem for mailauth's verdict on one signature. */
function classify(r: DKIMResult): { status: DkimStatus; problem?: DkimProblem } {
  const result = r.status.result;
  const comment = r.status.comment ?? '';
  if (result === 'pass') return { status: 'pass' };
  if (result === 'fail') return { status: 'fail', problem: comment === 'bad signature' ? 'signature_incorrect' : 'unspecified' };
  if (result === 'policy') {
    const rule = (r.status.policy as Record<string, string> | undefined)?.['dkim-rules'];
    return rule === 'weak-key' ? { status: 'fail', problem: 'pubkey_too_short' } : { status: 'fail', problem: 'unspecified' };
  }
  if (result === 'temperror' || result === 'temperr') return { status: 'invalid', problem: 'pubkey_unavailable' };
  // mailauth says "neutral" for the rest; the comment tells which
  if (comment === 'body hash did not verify') return { status: 'fail', problem: 'bodyhash_mismatch' };
  // Exim does not check x=, so a good signature past its expiry still passes
  if (comment === 'expired' || comment === 'invalid expiration') return { status: 'pass' };
  if (comment === 'no key') return { status: 'invalid', problem: 'pubkey_unavailable' };
  if (/key|hash algorithm|domain mismatch/.test(comment)) return { status: 'invalid', problem: 'pubkey_dns_syntax' };
  return { status: 'invalid', problem: 'signature_error' };
}

function describe(tags: SignatureTags, r: DKIMResult | undefined): DkimSignature {
  const t = tags.tags;
  const [canonHeaders, canonBody] = (t.get('c') ?? 'simple/simple').toLowerCase().split('/');
  const algo = (t.get('a') ?? '').toLowerCase();
  const key = keyTags(r?.rr);
  const keyFlags = (key.get('t') ?? '').split(':');
  const verdict = r ? classify(r) : { status: 'invalid' as const, problem: 'signature_error' as const };
  const identity = t.get('i');
  let keyLength = 0;
  if (r?.publicKey) keyLength = algo.startsWith('ed25519') ? 256 : (r.modulusLength ?? 0);
  // a key refused as too short was still loaded: Exim reports its size
  else if (verdict.problem === 'pubkey_too_short') keyLength = rsaKeyBits(key.get('p'));
  return {
    domain: t.get('d') ?? '',
    selector: t.get('s') ?? '',
    identity: identity === undefined ? '' : decodeDkimQp(identity),
    algo,
    canonHeaders: canonHeaders || 'simple',
    canonBody: canonBody || 'simple',
    headerNames: (t.get('h') ?? '').split(':').filter((n) => n).join(':'),
    copiedHeaders: decodeDkimQp(t.get('z') ?? ''),
    bodyLength: t.get('l') ?? NO_LIMIT,
    created: t.get('t') ?? '0',
    expires: t.get('x') ?? NO_LIMIT,
    keyLength,
    signatureBits: Buffer.from(tags.b, 'base64').length * 8,
    keyTesting: keyFlags.includes('y'),
    keyNoSubdomains: keyFlags.includes('s'),
    keySrvtype: key.get('s') ?? '*',
    keyGranularity: key.get('g') ?? '*',
    keyNotes: key.get('n') ?? '',
    ...verdict,
  };
}

function algorithmOf(tags: SignatureTags): { keytype: string; hash: string } {
  const [keytype, hash] = (tags.tags.get('a') ?? '').toLowerCase().split('-');
  return { keytype: keytype ?? '', hash: hash ?? '' };
}

/**
 * The signatures to verify, in Exim's order of processing: those whose key
 * type and hash the option lists name, by key type in dkim_verify_keytypes
 * order, then hash in dkim_verify_hashes order, then as they appear.
 */
function signaturesToVerify(headers: readonly string[], opts: DkimVerifyOptions): SignatureTags[] {
  const rank = (t: SignatureTags): number => {
    const a = algorithmOf(t);
    return opts.keytypes.indexOf(a.keytype) * opts.hashes.length + opts.hashes.indexOf(a.hash);
  };
  return signatureHeaders(headers)
    .filter((t) => {
      const a = algorithmOf(t);
      return opts.keytypes.includes(a.keytype) && opts.hashes.includes(a.hash);
    })
    .map((t, i) => ({ t, i, r: rank(t) }))
    .sort((x, y) => x.r - y.r || x.i - y.i)
    .map((x) => x.t);
}

/**
 * Verify the message's signatures. headers are its header lines ("Name: value\n")
 * and message the whole message as received (headers, blank line, body).
 */
export async function verifyDkim(message: Buffer, headers: readonly string[], opts: DkimVerifyOptions): Promise<DkimSignature[]> {
  const wanted = signaturesToVerify(headers, opts);
  if (wanted.length === 0) return [];
  // loaded on first use: mailauth takes a noticeable time to load
  const { dkimVerify } = await import('mailauth/lib/dkim/verify.js');
  let results: DKIMResult[] | undefined;
  try {
    results = (await dkimVerify(message, {
      resolver: (opts.resolver ?? mailauthResolver) as never,
      minBitLength: opts.minKeySizes.get('rsa') ?? 1024,
    })).results;
  } catch {
    // a message the verifier cannot process: its signatures count as invalid, not as a local error
    results = undefined;
  }
  const byB = new Map<string, DKIMResult>();
  for (const r of results ?? []) if (r.signature) byB.set(String(r.signature).replace(/\s+/g, ''), r);
  const out: DkimSignature[] = [];
  let passed = false;
  for (const tags of wanted) {
    const r = byB.get(tags.b);
    // mailauth leaves out what it could not parse; Exim skips those signatures too
    if (!r && results) continue;
    const sig = describe(tags, r);
    if (passed && opts.minimal) Object.assign(sig, { status: 'none', problem: 'not_verified', keyLength: 0 });
    const min = opts.minKeySizes.get(sig.algo.split('-')[0]);
    if (sig.status === 'pass' && min !== undefined && sig.keyLength > 0 && sig.keyLength < min) {
      Object.assign(sig, { status: 'fail', problem: 'pubkey_too_short' });
    }
    if (sig.status === 'pass') passed = true;
    out.push(sig);
  }
  return out;
}
