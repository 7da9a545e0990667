// The contract between whoever reads a message off the wire or stdin (the
// SMTP server, local submission) and the code that turns those bytes into a
// spool-ready Message.

import type { Recipient } from '../mail/message.ts';

/** Where a message came from and who sent it: fills $received_protocol, $sender_host_*, the -H items. */
export interface Origin {
  /** Not received over TCP/IP (stdin, -bs, -bS): the local fix-ups apply. */
  local: boolean;
  /** $received_protocol: "local", "local-smtp", "smtp", "esmtps", "esmtpsa", ... */
  protocol: string;
  host?: { address: string; port: number; name?: string; helo?: string; ident?: string };
  iface?: { address: string; port: number };
  /** Authenticated session: $authenticated_id, $authenticated_sender, authenticator name. */
  auth?: { id?: string; sender?: string; name?: string; publicName?: string };
  tls?: { cipher?: string; cipherStd?: string; version?: string; peerdn?: string; verified?: boolean; sni?: string; /** Exim's resumption flag bits */ resumption?: number };
  /** The calling process (local) or the process receiving (SMTP): owner of the spool files. */
  caller: { login: string; uid: number; gid: number; trusted: boolean; fullName?: string };
  /** `control = submission`, with its /domain=, /name= and /sender_retain options. */
  submission?: { domain?: string; name?: string; senderRetain?: boolean };
  /** `control = suppress_local_fixups` (or -G). */
  suppressLocalFixups?: boolean;
  /** -bnq: do not qualify unqualified addresses in headers. */
  noQualify?: boolean;
  /** The client host may send unqualified senders / recipients (sender_ / recipient_unqualified_hosts): header addresses are qualified too. */
  unqualifiedSenderHost?: boolean;
  unqualifiedRecipientHost?: boolean;
  /** -t: recipients were extracted from the header (Bcc: is then removed). */
  extractedRecipients?: boolean;
  /** HELO name for $sender_helo_name when there is no host (-bs with HELO, -oMs). */
  helo?: string;
  /** $sender_ident for local callers (the login, or -oMt). */
  ident?: string;
  /** The sender was given explicitly (-f, MAIL FROM) rather than built from the login. */
  senderForced?: boolean;
  /** The full name was given with -F (or /name= of control=submission). */
  nameForced?: boolean;
  /** Arrival time in microseconds (the message id's time); now when absent. */
  timeMicros?: bigint;
}

export interface Envelope {
  sender: string;
  recipients: Recipient[];
  /** A message id allocated earlier (e.g. at the start of DATA); a new one when absent. */
  id?: string;
  /** The sender was rewritten when it was verified: the rewrite rules leave it alone now. */
  senderRewritten?: boolean;
}

/**
 * Reception failed for a reason the sender should be told: `code` and
 * `text` are the SMTP reply (first line without code), `logText` what the
 * reject log says.
 */
export class ReceiveError extends Error {
  override name = 'ReceiveError';
  readonly code: number;
  readonly text: string;
  readonly logText: string;
  constructor(code: number, text: string, logText = text) {
    super(text);
    this.code = code;
    this.text = text;
    this.logText = logText;
  }
}
