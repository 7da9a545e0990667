// The ACL engine's contract with its callers (SMTP server, local submission,
// -bh host checking, ${acl} in expansions). The caller builds one
// AclContext per ACL run, sharing `conn` across a connection and `msg`
// across one message; the engine reads variables through `expand.vars` and
// records what statements ask for (controls, headers, queue, ...) in the
// state objects, which the caller then honours.

import type { Config } from '../config/types.ts';
import type { ExpandContext } from '../expand/context.ts';
import type { HostSubject } from '../lists/host.ts';
import type { ListCache } from '../lists/walk.ts';

/** Where an ACL runs: one value per acl_smtp_* / acl_not_smtp* option, plus ${acl} calls. */
export type AclWhere =
  | 'connect' | 'helo' | 'mail' | 'mailauth' | 'rcpt' | 'predata' | 'data' | 'mime' | 'dkim' | 'prdr'
  | 'auth' | 'starttls' | 'etrn' | 'atrn' | 'expn' | 'vrfy' | 'quit' | 'notquit' | 'wellknown'
  | 'not_smtp' | 'not_smtp_start' | 'not_smtp_mime' | 'delivery' | 'expansion';

export type AclVerdict = 'accept' | 'deny' | 'defer' | 'discard' | 'drop' | 'error';

export interface AclResult {
  verdict: AclVerdict;
  /** Text for the SMTP response (from `message =`, or the engine's default); undefined when none. */
  userMessage?: string;
  /** Text for the log line (from `log_message =`, or the default); undefined when none. */
  logMessage?: string;
  /** The ACL that produced the verdict (the named one, or a nested one via `acl =`). */
  aclName?: string;
  /**
   * True when a "deny" came from a failed `verify = recipient/sender` (Exim then uses 550 with
   * the verification text) or a failed `verify =` for which Exim logs "... verification failed".
   */
  verifyFailed?: 'recipient' | 'sender' | 'header_sender' | string;
  /** A failed `verify = sender`: the SMTP reply carries its details unless no_details (section "Sender address verification reporting"). */
  senderVerifyFailure?: { address: string; message?: string; noDetails: boolean; userMessage?: string; defer?: boolean; logDetail?: string; source?: object; kind?: 'setup' | 'postmaster' };
  /** A defer whose text may be given to the client (Exim's acl_temp_details). */
  tempDetails?: boolean;
  /** Where the rejection should be logged (log_reject_target): subset of main/reject/panic; empty means nowhere. */
  logTargets?: ('main' | 'reject' | 'panic')[];
}

/** What the engine writes to the logs (a subset of src/log's Logger). */
export interface AclLogger {
  main(text: string, opts?: { id?: string }): void;
  /** A rejection: to the reject log and, unless mainToo is false, the main log. */
  reject(text: string, opts?: { id?: string; headers?: string[]; mainToo?: boolean }): void;
  /** A panic-log entry; with mainToo (src/log's default) the same entry also goes to the main log. */
  panic(text: string, opts?: { id?: string; mainToo?: boolean }): void;
  selector?: { has(name: string): boolean };
}

/** One header an ACL asked to add: text ends with "\n"; position from the :at_start: etc. prefixes. */
export interface AddedHeader {
  text: string;
  position: 'end' | 'at_start' | 'at_start_rfc' | 'after_received';
}

/** The controls of `control =`, as recorded for the caller to honour. */
export interface AclControls {
  allowAuthUnadvertised?: boolean;
  casefulLocalPart?: boolean;
  caselowerLocalPart?: boolean;
  cutthroughDelivery?: { defer?: 'spool' | 'pass' };
  debug?: { tag?: string; opts?: string; kill?: boolean; stop?: boolean; pretrigger?: number; trigger?: string };
  dkimDisableVerify?: boolean;
  dmarcDisableVerify?: boolean;
  dmarcEnableForensic?: boolean;
  dscp?: string;
  /** enforce_sync / no_enforce_sync: overrides smtp_enforce_sync for the rest of the connection. */
  enforceSync?: boolean;
  errorsTo?: string;
  freeze?: { noTell: boolean };
  fakeDefer?: string;
  fakeReject?: string;
  noCalloutFlush?: boolean;
  noDelayFlush?: boolean;
  noMboxUnspool?: boolean;
  noMultilineResponses?: boolean;
  noPipelining?: boolean;
  /** control = queue / queue_only (with /first_pass_route, /only). */
  queue?: { firstPassRoute: boolean; only: boolean };
  submission?: { domain?: string; name?: string; senderRetain: boolean };
  suppressLocalFixups?: boolean;
  utf8Downconvert?: string;
  /** control = wellknown/<file>: the response file for WELLKNOWN. */
  wellknown?: string;
}

/** State that lives for the whole SMTP connection (or local submission). */
export interface AclConnectionState {
  controls: AclControls;
  /** Host for hosts= and friends; name filled in lazily by lookups. Absent for local submission. */
  host?: HostSubject;
  /** Authenticated id ($authenticated_id) and authenticator name, when AUTH succeeded. */
  authenticatedBy?: string;
  /** TLS cipher when the connection is encrypted. */
  tlsCipher?: string;
  /** ratelimit results already computed during this connection (per_conn), by key. */
  ratelimitSeen: Map<string, unknown>;
  /** HELO/EHLO verification result (verify = helo, helo_verify_hosts); undefined until tried. Reset at each HELO. */
  heloVerified?: boolean;
  /** Named host-list results for the client, kept for the connection (Exim's host cache). */
  hostListCache?: ListCache;
}

/** State for one message (reset at MAIL/RSET). */
export interface AclMessageState {
  controls: AclControls;
  headersToAdd: AddedHeader[];
  /** Header names that remove_header asked to remove (colon-list items, lower-cased? no: as given). */
  headersToRemove: string[];
  /** Named queue from `queue =`. */
  queue?: string;
  /** ratelimit results already computed for this message (per_mail, per_rcpt unique...), by key. */
  ratelimitSeen: Map<string, unknown>;
  /** warn log lines already written for this message (each is written once). */
  warnLogged?: Set<string>;
  /** Named-list results for the sender's address and domain, kept for the message (Exim's sender caches). */
  senderListCache?: ListCache;
  senderDomainListCache?: ListCache;
  /** The sender as rewritten for its verification: it stays rewritten (spec "When does rewriting happen?"). */
  senderRewritten?: string;
}

/** Options of `verify = recipient/...` and `verify = sender/...` passed to the verify hook. */
export interface VerifyAddressOptions {
  callout?: { timeout?: number; connect?: number; defer_ok?: boolean; no_cache?: boolean; random?: boolean;
    use_sender?: boolean; use_postmaster?: boolean; postmaster?: boolean; fullpostmaster?: boolean;
    /** use_tptsender: use_sender, but the transport's return_path (when set) replaces the sender. */
    use_tptsender?: boolean;
    /** The postmaster check's MAIL FROM (postmaster sets it to ""; the rightmost of the two wins). */
    postmaster_mailfrom?: string;
    mailfrom?: string; maxwait?: number; hold?: boolean; pipeline?: boolean; raw: string };
  defer_ok?: boolean;
  no_details?: boolean;
  quota?: string;
  /** `success_on_redirect` */
  successOnRedirect?: boolean;
  /** header_sender: the message's header lines, whose Sender:/Reply-To:/From: addresses are to be verified. */
  headers?: readonly string[];
  /** The ACL's named-list results: routing's domains/local_parts checks reuse them (and trace "cached"). */
  listCache?: ListCache;
}

export interface VerifyAddressResult {
  result: 'ok' | 'fail' | 'defer';
  /** $acl_verify_message / the SMTP text. */
  message?: string;
  /** What the ACL logs when it is less than `message` (a failed lookup's own text). */
  logMessage?: string;
  /** $recipient_verify_failure / $sender_verify_failure: qualify, route, mail, recipient, postmaster, random. */
  failure?: string;
  /** For verify = sender, the verified address becomes $sender_address_data etc. */
  addressData?: string;
  /** The text for the client when it differs from `message` (which is the log's): a callout's "Callout verification failed:..." */
  userMessage?: string;
  /** The verdict came from a callout (callout defer_ok applies to 'defer'). */
  callout?: 'ok' | 'fail' | 'defer';
  /** A callout failure taken from the callout cache (the log then has no details). */
  cached?: boolean;
  /** A sender callout refused at setup (connection, HELO, MAIL FROM:<>) or at the postmaster check: the client is told why that matters. */
  senderFailureKind?: 'setup' | 'postmaster';
  /** A recipient accepted by a callout: untainted $domain_data and $local_part_data. */
  domainData?: string;
  localPartData?: string;
  /** $callout_address after a callout connected somewhere. */
  calloutAddress?: string;
}

/** Hooks that other subsystems provide for `verify =`. */
export interface AclVerifyHooks {
  address?(address: string, kind: 'recipient' | 'sender' | 'header_sender', options: VerifyAddressOptions): Promise<VerifyAddressResult>;
}

export interface AclContext {
  config: Config;
  expand: ExpandContext;
  logger?: AclLogger;
  conn: AclConnectionState;
  msg: AclMessageState;
  /** RCPT/VRFY/EXPN: the address being checked; the engine sets $local_part and $domain from it. */
  recipient?: string;
  /** The message's headers as raw text lines ("Name: value\n"), for DATA/MIME/not_smtp ACLs. */
  headers?: string[];
  /** The message body as received (for regex = / mime_regex =), when in a DATA-phase ACL. */
  body?: Buffer | string;
  /**
   * MIME ACL: the current part, raw (for regex =) and decoded (for mime_regex =, once decoded);
   * decode(option) writes the decoded part to a file as `decode =` does (src/mime).
   */
  mimePart?: { raw?: Buffer | string; decoded?: Buffer | string; decode?(option: string, tainted?: boolean): Promise<'OK' | 'FAIL' | 'DEFER'> };
  /** -bh: called with each trace line Exim prints to stderr. */
  trace?(line: string): void;
  verify?: AclVerifyHooks;
  /**
   * delay = : wait ms milliseconds, first flushing pending SMTP output when flush is true, and
   * ending early if the client goes away. Default: a plain timer.
   */
  delay?(ms: number, opts: { flush: boolean }): Promise<void>;
  /** Clock in milliseconds (tests override it). */
  now?(): number;
  /** Message id for log lines, once known. */
  messageId?: string;
  /** -bh and -bv: host checking / verify mode (delays are not honoured when true; Exim prints them). */
  hostChecking?: boolean;
}

export function newConnectionState(host?: HostSubject): AclConnectionState {
  return { controls: {}, host, ratelimitSeen: new Map() };
}

export function newMessageState(): AclMessageState {
  return { controls: {}, headersToAdd: [], headersToRemove: [], ratelimitSeen: new Map() };
}
