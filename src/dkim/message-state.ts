// What DKIM verification found for the message being received, kept with
// the ACL message state (a new one per transaction) for DMARC and logging.

import type { AclMessageState } from '../acl/types.ts';
import type { DkimSignature } from './verify.ts';

export interface MessageDkim {
  /** The signatures verified (empty when the message had none we accept). */
  signatures: DkimSignature[];
  /** The first signature's domain whose final status (after the DKIM ACL) is pass: the "<=" line's DKIM=. */
  arrivalDomain?: string;
}

const perMessage = new WeakMap<AclMessageState, MessageDkim>();

export function setMessageDkim(msg: AclMessageState, value: MessageDkim): void {
  perMessage.set(msg, value);
}

/** Undefined when verification did not run (disabled, or not an SMTP message). */
export function messageDkim(msg: AclMessageState): MessageDkim | undefined {
  return perMessage.get(msg);
}

/** The signature that matches a dkim_verify_signers item: an identity when it has "@", else a domain. */
export function signerMatches(signer: string, sig: DkimSignature): boolean {
  const theirs = signer.includes('@') ? sig.identity : sig.domain;
  return theirs !== '' && theirs.toLowerCase() === signer.toLowerCase();
}
