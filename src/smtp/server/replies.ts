// Fixed texts of the SMTP replies tern's server gives, as Exim 4.98 gives
// them (recorded with exim4 -bs / -bh; see test/smtp/server/*.test.ts).

export const REPLY = {
  unrecognized: '500 unrecognized command',
  tooManyUnrecognized: '500 Too many unrecognized commands',
  nulInCommand: '501 NUL characters are not allowed in SMTP commands',
  tooManySynprot: '503 Too many syntax or protocol errors',
  unexpectedArgument: '501 unexpected argument data',
  heloRequired: '503 HELO or EHLO required',
  heloNotVerified: '550 HELO argument does not match calling host',
  senderAlreadyGiven: '503 sender already given',
  senderNotGiven: '503 sender not yet given',
  rcptBeforeData: '503 valid RCPT command must precede DATA',
  rcptBeforeBdat: '503 valid RCPT command must precede BDAT',
  bdatNotAdvertised: '503 BDAT command used when CHUNKING not advertised',
  bdatMissingSize: '501 missing size for BDAT command',
  onlyBdat: '503 only BDAT permissible after non-LAST BDAT',
  onlyRset: '503 only RSET accepted now',
  enterMessage: '354 Enter message, ending with "." on a line by itself',
  ok: '250 OK',
  accepted: '250 Accepted',
  resetOk: '250 Reset OK',
  noop: '250 OK',
  sizeExceeded: '552 Message size exceeds maximum permitted',
  invalidBody: '501 invalid data for BODY',
  retInvalid: '501 Value for RET is invalid',
  retOnce: '501 RET can be specified once only',
  envidOnce: '501 ENVID can be specified once only',
  envidInvalid: '501 Invalid value for ENVID parameter',
  notifyInvalid: '501 Invalid value for NOTIFY parameter',
  adminProhibition: 'Administrative prohibition',
  temporaryProblem: 'Temporary local problem - please try later',
  tooManyRecipients: '452 too many recipients',
  vrfyNoAcl: '252 Administrative prohibition',
  expnNoAcl: '550 Administrative prohibition',
  etrnNoAcl: '458 Administrative prohibition',
  syncError: '554 SMTP synchronization error',
  lostDuringData: '421 Lost incoming connection',
  help: ['214-Commands supported:', '214 AUTH STARTTLS HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT RSET HELP'],
  allRcptsRejected: '503-All RCPT commands were rejected with this error:',
} as const;

/** "501 Syntactically invalid HELO argument(s)" and the EHLO twin. */
export function heloSyntax(cmd: 'HELO' | 'EHLO'): string {
  return `501 Syntactically invalid ${cmd} argument(s)`;
}

export function closing(host: string): string {
  return `221 ${host} closing connection`;
}

export function lostInput(host: string): string {
  return `421 ${host} lost input connection`;
}

/** Waiting for a command (Exim 4.98's wording, with the colon). */
export function commandTimeoutReply(host: string): string {
  return `421 ${host}: SMTP command timeout - closing connection`;
}

/** Waiting for message data (DATA or BDAT). */
export function timeoutReply(host: string): string {
  return `421 ${host} SMTP incoming data timeout - closing connection.`;
}

export function chunkReceived(n: number): string {
  return `250 ${n} byte chunk received`;
}

/**
 * Split a reply text into SMTP lines: "550 a\nb" → ["550-a", "550 b"].
 * `code` is the three-digit code, `text` may hold newlines; an enhanced
 * status code (`esc`, "5.7.1 ") starts every line.
 */
export function replyLines(code: string, text: string, esc = ''): string[] {
  const parts = text.split('\n');
  return parts.map((p, i) => `${code}${i === parts.length - 1 ? ' ' : '-'}${esc}${p}`);
}
