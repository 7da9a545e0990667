// Counting syntax/protocol errors and unknown commands, and the ends of a
// session they lead to (smtp_max_synprot_errors, smtp_max_unknown_commands).

import { formatSyntaxError, formatProtocolError, formatTooManyErrors, hostAndIdent, TEXT } from '../../log/index.ts';
import { bytesToText } from './log-text.ts';
import { sessionEvent } from './events.ts';
import { optNumber } from './options.ts';
import { REPLY } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

async function checkLimit(s: SmtpSession, command: string, kind: 'syntax' | 'protocol', reason: string): Promise<void> {
  const max = optNumber(s.config, 'smtp_max_synprot_errors', 3);
  if (max > 0 && s.synprotErrors > max) {
    // the closing line takes the code of the error it follows (Exim 4.98: "501-..." then "501 Too many ...")
    const code = s.continueLastReply() ?? '503';
    s.send(code + REPLY.tooManySynprot.slice(3));
    s.logger.reject(formatTooManyErrors(s.peer(), s.logger.selector as never, bytesToText(command), s.history));
    // smtp:fail:syntax / smtp:fail:protocol (Exim 4.99): once per connection, when it is dropped for them
    await sessionEvent(s, kind === 'syntax' ? 'smtp:fail:syntax' : 'smtp:fail:protocol', bytesToText(reason));
    throw new SessionEnd('synprot');
  }
}

export async function countSyntaxError(s: SmtpSession, command: string, reason: string): Promise<void> {
  s.synprotErrors++;
  if (s.logger.selector.has('smtp_syntax_error')) s.logger.main(formatSyntaxError(s.peer(), s.logger.selector as never, bytesToText(command), bytesToText(reason)));
  await checkLimit(s, command, 'syntax', reason);
}

export async function countProtocolError(s: SmtpSession, command: string, reason: string): Promise<void> {
  s.synprotErrors++;
  if (s.logger.selector.has('smtp_protocol_error')) s.logger.main(formatProtocolError(s.peer(), s.logger.selector as never, bytesToText(command), bytesToText(reason)));
  await checkLimit(s, command, 'protocol', reason);
}

export async function countUnknown(s: SmtpSession, command: string): Promise<void> {
  s.unknownCommands++;
  // logged like a syntax error (smtp_syntax_error); it counts against smtp_max_unknown_commands
  // first and, below that limit, as a syntax error too (checked with exim4 -bh)
  if (s.logger.selector.has('smtp_syntax_error')) s.logger.main(formatSyntaxError(s.peer(), s.logger.selector as never, bytesToText(command), 'unrecognized command'));
  const max = optNumber(s.config, 'smtp_max_unknown_commands', 3);
  if (max > 0 && s.unknownCommands > max) {
    s.send(REPLY.tooManyUnrecognized);
    s.logger.reject(`SMTP call from ${hostAndIdent(s.peer(), s.logger.selector as never, false)} dropped: ${TEXT.tooManyUnknown} ` +
      `(last was "${command.slice(0, 1024)}")`);
    throw new SessionEnd('unknown');
  }
  s.send(REPLY.unrecognized);
  s.synprotErrors++;
  await checkLimit(s, command, 'syntax', 'unrecognized command');
}
