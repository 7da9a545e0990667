// The commands without a transaction: RSET, NOOP, HELP, QUIT, ETRN
// (VRFY and EXPN are in vrfy-expn.ts, STARTTLS in starttls.ts).

import { spawn } from 'node:child_process';
import { expandStringAsync } from '../../expand/index.ts';
import { hostAndIdent } from '../../log/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countSyntaxError } from './errors.ts';
import { optString } from './options.ts';
import { closing, REPLY, replyLines } from './replies.ts';
import { SessionEnd, type SmtpSession } from './session.ts';

export function rsetCommand(s: SmtpSession): void {
  s.resetTransaction();
  s.send(REPLY.resetOk);
}

export function noopCommand(s: SmtpSession): void {
  s.send(REPLY.noop);
}

export async function helpCommand(s: SmtpSession): Promise<void> {
  let last: string = REPLY.help[1];
  // Exim checks the host lists again for HELP (and they show in the -bh trace).
  if (!(await s.hostInList('tls_advertise_hosts'))) last = last.replace(' STARTTLS', '');
  if (optString(s.config, 'acl_smtp_etrn')) last += ' ETRN';
  if (optString(s.config, 'acl_smtp_expn')) last += ' EXPN';
  if (optString(s.config, 'acl_smtp_vrfy')) last += ' VRFY';
  if (await s.hostInList('wellknown_advertise_hosts')) last += ' WELLKNOWN';
  s.sendLines([REPLY.help[0], last]);
}

export async function quitCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  if (arg !== '') {
    s.send(REPLY.unexpectedArgument);
    await countSyntaxError(s, line, 'unexpected argument data');
    return;
  }
  const acl = await runPhaseAcl(s, 'quit', { noLog: true });
  // The QUIT ACL cannot refuse (a refusing verb is an error); its message, code and all, follows "221".
  if (acl.verdict === 'error') s.logger.panic(`ACL for QUIT returned ERROR: ${acl.result?.logMessage ?? ''}`, { mainToo: true });
  const message = acl.result?.userMessage;
  s.sendLines(message ? replyLines('221', message) : [closing(s.hostname)]);
  throw new SessionEnd('quit');
}

export async function etrnCommand(s: SmtpSession, arg: string): Promise<void> {
  setVar(s.ctx, 'smtp_command_argument', arg, true);
  setVar(s.ctx, 'domain', arg, true);
  const who = s.isLocal ? s.peer().ident ?? 'unknown' : hostAndIdent(s.peer(), s.logger.selector as never, false);
  s.logger.main(`ETRN ${arg} received from ${who}`);
  const acl = await runPhaseAcl(s, 'etrn', { commandData: arg, noLog: true });
  if (acl.verdict !== 'accept') {
    s.logger.reject(`${hostAndIdent(s.peer(), s.logger.selector as never, true)} rejected ETRN ${arg}`);
    s.sendLines(acl.unset ? [REPLY.etrnNoAcl] : acl.lines);
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  const command = optString(s.config, 'smtp_etrn_command') ?? '';
  if (command === '') {
    // Without smtp_etrn_command Exim starts "exim -R <string>": that needs the
    // queue runner of "Delivering mail", which tern does not have yet.
    s.send('458 Unable to start queue run');
    return;
  }
  // smtp_etrn_command: split into arguments, each expanded ($domain is the
  // argument), run without waiting; the client gets 250 even if it fails.
  try {
    const argv: string[] = [];
    for (const word of command.trim().split(/\s+/)) argv.push(await expandStringAsync(word, s.ctx));
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore' });
    child.on('error', (e) => s.logger.panic(`failed to run ETRN command ${argv[0]}: ${e.message}`));
    child.unref();
  } catch (e) {
    s.logger.panic(`failed to expand smtp_etrn_command: ${e instanceof Error ? e.message : String(e)}`);
  }
  s.send('250 OK');
}
