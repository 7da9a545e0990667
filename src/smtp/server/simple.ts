// The commands without a transaction: RSET, NOOP, HELP, QUIT, ETRN
// (VRFY and EXPN are in vrfy-expn.ts, STARTTLS in starttls.ts).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { expandCommandArgs } from '../../expand/command-args.ts';
import { hostAndIdent } from '../../log/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countSyntaxError } from './errors.ts';
import { optBool, optString } from './options.ts';
import { trySerialize, type SerializeSlot } from '../../hints/serialize.ts';
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
  // The command: split like a pipe command ("..." and '...' group), each argument
  // expanded ($domain is the ETRN argument); a tainted argument is refused.
  let argv: string[];
  try {
    const args = await expandCommandArgs(command, s.ctx);
    if (!('argv' in args)) {
      const why = 'tainted' in args ? `Tainted arg ${args.tainted.index} for ETRN processing command: '${args.tainted.value}'` : args.failed.message;
      s.logger.main(`failed to set up ETRN command: ${why}`);
      s.send('458 Internal failure');
      return;
    }
    argv = args.argv;
  } catch (e) {
    s.logger.main(`failed to set up ETRN command: ${e instanceof Error ? e.message : String(e)}`);
    s.send('458 Internal failure');
    return;
  }
  // -bh runs nothing
  if (s.isHostCheck || argv.length === 0) {
    s.send('250 OK');
    return;
  }
  // smtp_etrn_serialize: one run at a time per argument (keyed by its MD5), held until the command exits
  let slot: SerializeSlot | undefined;
  if (optBool(s.config, 'smtp_etrn_serialize')) {
    slot = trySerialize(optString(s.config, 'spool_directory') ?? '', 'etrn-runs', createHash('md5').update(arg, 'latin1').digest('hex'));
    if (!slot) {
      s.send(`458 Already processing ${arg}`);
      return;
    }
  }
  // run without waiting: the client gets 250 even if the command then fails
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore' });
  child.on('error', (e) => {
    slot?.release();
    s.logger.panic(`failed to run ETRN command ${argv[0]}: ${e.message}`);
  });
  // Not unref'd: a -bs process stays until the command ends, to drop its serialization record.
  child.on('exit', () => slot?.release());
  s.send('250 OK');
}
