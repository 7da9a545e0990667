// The outbound SMTP client: SmtpConnection (socket, replies, TLS) and
// SmtpDialogue (greeting, EHLO/HELO/LHLO, STARTTLS, commands). Callouts use
// it today; the smtp transport is meant to build on the same two layers.

export { ClientError, SmtpConnection, replyText, type ClientErrorKind, type ConnectOptions, type SmtpReply } from './connection.ts';
export { DialogueError, SmtpDialogue, parseExtensions, type HelloOptions, type ServerFeatures } from './dialogue.ts';
