// Exim's SMTP replies to AUTH and the main-log line for a failed attempt
// (recorded from Exim 4.98 -bs sessions; see test/auth/replies.test.ts).
// The SMTP session owns the AUTH command and uses these texts.

import type { AuthOutcome } from './types.ts';

export const AUTH_REPLY = {
  ok: '235 Authentication succeeded',
  fail: '535 Incorrect authentication data',
  defer: '435 Unable to authenticate at present',
  cancelled: '501 Authentication cancelled',
  bad64: '501 Invalid base64 data',
  unexpected: '553 Initial data not expected',
  error: '435 Internal error',
  /** AUTH when no mechanism was advertised (HELO, auth_advertise_hosts, no server authenticators). */
  notAdvertised: '503 AUTH command used when not advertised',
  alreadyAuthenticated: '503 already authenticated',
  /** AUTH between MAIL and the end of the transaction. */
  inTransaction: '503 not permitted in mail transaction',
} as const;

/** "504 <mech> authentication mechanism not supported" (mech as the client wrote it, possibly empty). */
export function unsupportedMechanismReply(mechanism: string): string {
  return `504 ${mechanism} authentication mechanism not supported`;
}

/** The reply line (code and text, no CRLF) for an outcome. */
export function authReply(outcome: AuthOutcome): string {
  const base = AUTH_REPLY[outcome.result];
  if (outcome.result === 'defer' && outcome.userMessage) return `${base}: ${outcome.userMessage}`;
  return base;
}

/** The SMTP code of an outcome's reply, for callers that count or classify replies. */
export function authReplyCode(outcome: AuthOutcome): number {
  return Number(AUTH_REPLY[outcome.result].slice(0, 3));
}

/**
 * Exim's main-log (and reject-log) text for an AUTH that did not succeed:
 * "<instance> authenticator failed for <host>: <reply> (set_id=<id>): <message>".
 * `host` is Exim's host-and-ident text: "name (helo) [ip]" or, for -bs, the ident.
 */
export function authFailureLogText(instanceName: string, host: string, outcome: AuthOutcome): string {
  let s = `${instanceName} authenticator failed for ${host}: ${AUTH_REPLY[outcome.result]}`;
  // Exim leaves out an empty set_id.
  if (outcome.setId) s += ` (set_id=${outcome.setId})`;
  const msg = outcome.message ?? outcome.userMessage;
  if (msg) s += `: ${msg}`;
  return s;
}
