// The $dkim_* variables of one DKIM ACL run: those of the signature being
// looked at, or the "no signature" values when the signer named by
// dkim_verify_signers has none in the message.

import type { ExpandContext } from '../expand/context.ts';
import { verifyReason, type DkimSignature } from './verify.ts';

const NO_LIMIT = '9999999999999';

/** Values when there is no current signature (Exim's defaults). */
const NO_SIGNATURE: Record<string, string> = {
  dkim_domain: '', dkim_selector: '', dkim_identity: '', dkim_algo: '', dkim_canon_body: '', dkim_canon_headers: '',
  dkim_copiedheaders: '', dkim_bodylength: NO_LIMIT, dkim_created: '0', dkim_expires: NO_LIMIT, dkim_headernames: '',
  dkim_key_testing: '0', dkim_key_nosubdomains: '0', dkim_key_srvtype: '*', dkim_key_granularity: '*', dkim_key_notes: '',
  dkim_key_length: '0', dkim_verify_status: 'none', dkim_verify_reason: '',
};

/** Every per-signature variable, and $dkim_cur_signer. */
export const DKIM_SIGNATURE_VARIABLES: readonly string[] = [...Object.keys(NO_SIGNATURE), 'dkim_cur_signer'];

function signatureValues(sig: DkimSignature): Record<string, string> {
  return {
    dkim_domain: sig.domain, dkim_selector: sig.selector, dkim_identity: sig.identity, dkim_algo: sig.algo,
    dkim_canon_body: sig.canonBody, dkim_canon_headers: sig.canonHeaders, dkim_copiedheaders: sig.copiedHeaders,
    dkim_bodylength: sig.bodyLength, dkim_created: sig.created, dkim_expires: sig.expires, dkim_headernames: sig.headerNames,
    dkim_key_testing: sig.keyTesting ? '1' : '0', dkim_key_nosubdomains: sig.keyNoSubdomains ? '1' : '0',
    dkim_key_srvtype: sig.keySrvtype, dkim_key_granularity: sig.keyGranularity, dkim_key_notes: sig.keyNotes,
    dkim_key_length: String(sig.keyLength), dkim_verify_status: sig.status, dkim_verify_reason: verifyReason(sig),
  };
}

/** Set the variables for one ACL run: signer is the dkim_verify_signers item, sig its signature if any. */
export function setSignerVariables(ctx: ExpandContext, signer: string, sig: DkimSignature | undefined): void {
  const values = sig ? signatureValues(sig) : NO_SIGNATURE;
  for (const [name, value] of Object.entries(values)) {
    // what the signature says came with the message; the verdicts are ours
    const tainted = name !== 'dkim_verify_status' && name !== 'dkim_verify_reason' && name !== 'dkim_key_length';
    ctx.vars.set(name, { value, tainted });
  }
  ctx.vars.set('dkim_cur_signer', { value: signer, tainted: true });
}

/** Forget the previous message's values. */
export function clearDkimVariables(ctx: ExpandContext): void {
  for (const name of [...DKIM_SIGNATURE_VARIABLES, 'dkim_signers']) ctx.vars.delete(name);
}

/** $dkim_signers: each signature's domain and, when it has one, its identity. */
export function signersList(sigs: readonly DkimSignature[]): string {
  const items: string[] = [];
  for (const s of sigs) {
    if (s.domain) items.push(s.domain);
    if (s.identity) items.push(s.identity);
  }
  return items.map((i) => i.replace(/:/g, '::')).join(':');
}
