// The server side of an SMTP authenticator, as the SMTP session sees it.
// The session owns the AUTH command (advertising, ACL, replies, logging);
// a driver only runs the mechanism's exchange and says how it ended.

import type { ExpandContext } from '../expand/context.ts';

/** The exchange channel the SMTP session gives a driver for one AUTH command. */
export interface AuthIo {
  /**
   * Send "334 <base64Text>" and return the client's reply line as received
   * (still base64, CRLF removed); null when the client cancelled with "*".
   */
  challenge(base64Text: string): Promise<string | null>;
}

/**
 * How one AUTH exchange ended.
 *  ok          235; setId is the expanded server_set_id
 *  fail        535; setId (if any) is for $authenticated_fail_id and the log
 *  defer       435 "Unable to authenticate at present" (+ ": userMessage")
 *  cancelled   501 the client sent "*"
 *  bad64       501 the client sent data that is not base64
 *  unexpected  553 initial data given to a mechanism that takes none
 *  error       435 "Internal error" (message says what went wrong)
 */
export type AuthResult = 'ok' | 'fail' | 'defer' | 'cancelled' | 'bad64' | 'unexpected' | 'error';

export interface AuthOutcome {
  result: AuthResult;
  /** For the log line (e.g. an expansion error), after ": ". */
  message?: string;
  /** For the client, appended to the 435 text after ": " (Exim shows a non-boolean server_condition result). */
  userMessage?: string;
  /** The expanded server_set_id, on success and on failure (logged as "set_id="). */
  setId?: string;
  /** Whether setId came from tainted data. */
  setIdTainted?: boolean;
}

export interface ServerAuthenticator {
  /** The `driver =` value (plaintext, cram_md5, ...). */
  readonly driverName: string;
  /** The instance name in the configuration ($sender_host_authenticated). */
  readonly instanceName: string;
  /** The mechanism name advertised in EHLO (upper case). */
  readonly publicName: string;
  /** False for drivers tern does not implement yet: serve() then says so. */
  readonly implemented: boolean;
  /** The unexpanded server_mail_auth_condition, if set (see mailAuthAllowed). */
  readonly mailAuthCondition: string | undefined;
  /**
   * server_advertise_condition: may this mechanism be advertised now?
   * An expansion error (not forced, not a lookup defer) is passed to `log`,
   * which should write it to the main log, and the mechanism is not advertised.
   */
  advertise(ctx: ExpandContext, log?: (text: string) => void): Promise<boolean>;
  /** Run the mechanism. initialResponse is the base64 text given on the AUTH line, if any ("=" means empty). */
  serve(io: AuthIo, initialResponse: string | undefined, ctx: ExpandContext): Promise<AuthOutcome>;
}
