// What the client is told when sender verification fails (spec section
// "Sender address verification reporting"): a heading naming the sender,
// the reason (for a callout: the host called, the command sent and the
// response), and, when the sender's domain refused a bounce or its
// postmaster, Exim's explanation of why that matters.

/** Why a sender callout failed, when that deserves more than the plain heading. */
export type SenderFailureKind = 'setup' | 'postmaster';

const SETUP_TRAILER = [
  'The initial connection, or a HELO or MAIL FROM:<> command was',
  'rejected. Refusing MAIL FROM:<> does not help fight spam, disregards',
  'RFC requirements, and stops you from receiving standard bounce',
  'messages. This host does not accept mail from domains whose servers',
  'refuse bounces.',
];

const POSTMASTER_TRAILER = [
  'Several RFCs state that you are required to have a postmaster',
  'mailbox for each mail domain. This host does not accept mail',
  'from domains whose servers reject the postmaster address.',
];

/** The lines (joined with "\n") given before "Sender verify failed". */
export function senderFailureDetails(address: string, reason: string | undefined, kind?: SenderFailureKind): string {
  const why = reason ? [reason] : [];
  switch (kind) {
    case 'setup':
      return [`Callback setup failed while verifying <${address}>`, ...why, ...SETUP_TRAILER].join('\n');
    case 'postmaster':
      return [`Postmaster verification failed while checking <${address}>`, ...why, ...POSTMASTER_TRAILER].join('\n');
    default:
      return [`Verification failed for <${address}>`, ...why].join('\n');
  }
}
