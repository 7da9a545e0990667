// Message digests of a string's bytes: md5 (lower-case hex), sha1, sha2 and
// sha3 families (upper-case hex), as Exim prints them.

import { hash } from 'node:crypto';
import { ExpandError } from '../errors.ts';
import { encodeBytes, isAscii } from './bytes.ts';

// crypto.hash() is a one-shot digest: no Hash object per call.
function digestHex(algorithm: string, subject: string): string {
  return hash(algorithm, isAscii(subject) ? subject : encodeBytes(subject), 'hex');
}

export function md5Hex(subject: string): string {
  return digestHex('md5', subject);
}

export function sha1Hex(subject: string): string {
  return digestHex('sha1', subject).toUpperCase();
}

/** ${sha2_N:..} / ${sha256:..}: `variant` is the text after "sha2_" (absent: 256). */
export function sha2Hex(subject: string, variant?: string): string {
  const bits = variant === undefined ? '256' : variant;
  if (bits !== '256' && bits !== '384' && bits !== '512') throw new ExpandError('unrecognised sha2 variant');
  return digestHex(`sha${bits}`, subject).toUpperCase();
}

/** ${sha3_N:..}: `variant` is the text after "sha3_" (absent: 256). */
export function sha3Hex(subject: string, variant?: string): string {
  const bits = variant === undefined ? '256' : variant;
  if (bits !== '224' && bits !== '256' && bits !== '384' && bits !== '512') throw new ExpandError('unrecognised sha3 variant');
  return digestHex(`sha3-${bits}`, subject).toUpperCase();
}
