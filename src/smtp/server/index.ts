// The SMTP server session: one per connection (daemon), or over stdin/stdout
// (-bs), batched (-bS), or as a host check (-bh).
//
//   runSmtpSession(io, conn, services)   run one session to its end

export { runSmtpSession } from './server.ts';
export type { SmtpIo, ConnectionInfo, SmtpServices, SessionLogger, AclRunner, Receiver } from './types.ts';
export { DataReader, readMessageData } from './data-reader.ts';
export { SessionInput, COMMAND_BUFFER_SIZE } from './input.ts';
export { sessionServices, receiverFor } from './services.ts';
