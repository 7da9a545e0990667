// How a verified signature is reported: the "DKIM: d=... [verification
// succeeded]" main-log line (log selector dkim_verbose) and the dkim= part of
// ${authresults}. When an ACL changed $dkim_verify_status or
// $dkim_verify_reason, the line shows the ACL's words, as Exim's does.

import type { DkimSignature } from './verify.ts';

function problemText(sig: DkimSignature): string {
  if (sig.status === 'pass') return 'verification succeeded';
  if (sig.status === 'none') return 'not verified';
  if (sig.status === 'invalid') {
    switch (sig.problem) {
      case 'pubkey_unavailable': return 'invalid - public key record (currently?) unavailable';
      case 'pubkey_dns_syntax': return 'invalid - syntax error in public key record';
      case 'signature_error': return 'invalid - signature tag missing or invalid';
      default: return 'invalid - unspecified problem';
    }
  }
  switch (sig.problem) {
    case 'bodyhash_mismatch': return 'verification failed - body hash mismatch (body probably modified in transit)';
    case 'signature_incorrect': return 'verification failed - signature did not verify (headers probably modified in transit)';
    case 'pubkey_too_short': return 'verification failed - signature invalid (key too short)';
    default: return 'verification failed - unspecified reason';
  }
}

/** The log line's text; override is an ACL's own status and reason for the signature. */
export function dkimLogLine(sig: DkimSignature, override?: { status: string; reason: string }): string {
  let s = `DKIM: d=${sig.domain || '<UNSET>'} s=${sig.selector || '<UNSET>'} c=${sig.canonHeaders}/${sig.canonBody} a=${sig.algo} b=${sig.signatureBits}`;
  if (sig.identity) s += ` i=${sig.identity}`;
  if (sig.created !== '0') s += ` t=${sig.created}`;
  if (sig.expires !== '9999999999999') s += ` x=${sig.expires}`;
  if (sig.bodyLength !== '9999999999999') s += ` l=${sig.bodyLength}`;
  s += override ? ` [${override.status} - ${override.reason}]` : ` [${problemText(sig)}]`;
  return s;
}

/** The "dkim=..." part of an Authentication-Results header for one signature. */
export function dkimAuthResult(sig: DkimSignature): string {
  let verdict: string;
  if (sig.status === 'pass') verdict = 'pass';
  else if (sig.status === 'none') verdict = 'none';
  else if (sig.status === 'invalid') {
    verdict = sig.problem === 'pubkey_unavailable' ? 'tmperror (pubkey unavailable)'
      : sig.problem === 'pubkey_dns_syntax' ? 'neutral (public key record import problem)'
      : sig.problem === 'signature_error' ? 'neutral (signature tag missing or invalid)'
      : 'permerror (unspecified problem)';
  } else {
    verdict = sig.problem === 'bodyhash_mismatch' ? 'fail (body hash mismatch; body probably modified in transit)'
      : sig.problem === 'signature_incorrect' ? 'fail (signature did not verify; headers probably modified in transit)'
      : sig.problem === 'pubkey_too_short' ? `fail (public key too short: ${sig.keyLength} bits)`
      : 'fail (unspecified reason)';
  }
  // Exim folds the properties onto a continuation line after a comment
  let s = `dkim=${verdict}${verdict.includes('(') ? '\n\t\t' : ''}`;
  if (sig.domain) s += ` header.d=${sig.domain}`;
  if (sig.identity) s += ` header.i=${sig.identity}`;
  if (sig.selector) s += ` header.s=${sig.selector}`;
  return `${s} header.a=${sig.algo}`;
}

/** The line Exim writes when a signature's public key could not be fetched or loaded. */
export function keyImportFailure(sig: DkimSignature): string {
  return `DKIM: ${sig.domain ? `d=${sig.domain}` : ''} ${sig.selector ? `s=${sig.selector}` : ''} [failed key import]`;
}
