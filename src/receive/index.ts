// Message reception, shared by the SMTP server and local submission.
//
//   buildMessage(raw, envelope, origin, config, ectx)
//       received bytes (Unix line ends, dot-unstuffed) → { message, body }:
//       header lines with their -H flags, Received:, fix-ups (Message-ID,
//       Date, From, Sender; Return-path/Envelope-to/Delivery-date removal;
//       Bcc for -t), line counts; sets $message_size, $h_*, ... in ectx.
//       Throws ReceiveError (SMTP code + text) for limit violations.
//   commitMessage(message, body, { config, logger })
//       durable spool write, then the "<=" main log line.
//   readLocalMessage(input, opts)      stdin bytes → message bytes (-i, CRLF, "From " line)
//   extractRecipients(headers, ...)    -t

export { buildMessage, setMessageVars, setOriginVars, messageSize, parseSize, type BuildOptions } from './build.ts';
export { commitMessage, type CommitServices } from './commit.ts';
export { formatArrival, type ArrivalDetails } from './arrival-log.ts';
export { buildReceivedHeader, senderRcvhost } from './received.ts';
export { applyFixups, localPartMatches, type FixupSettings } from './fixups.ts';
export { ReceiveError, type Origin, type Envelope } from './types.ts';
