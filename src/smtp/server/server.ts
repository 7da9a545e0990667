// runSmtpSession: greet, read commands, dispatch them, and end the session
// the way Exim does (221 on QUIT, 421 on lost input or timeout, the drop of
// an ACL), logging what Exim logs.

import { lookUpClientName } from './host-name.ts';
import { identifyCaller } from './ident.ts';
import { senderFullhost } from '../../log/host.ts';
import { installDnsFailEvent } from './events.ts';
import { formatCommandTimeout, formatConnectionClosed, formatConnectionOpened, formatDuration, formatEarlyInput, formatNoMail, hostAndIdent, TEXT } from '../../log/index.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { authCommand } from './auth-command.ts';
import { setVar } from './context.ts';
import { bdatCommand, dataCommand } from './data.ts';
import { countProtocolError, countSyntaxError, countUnknown } from './errors.ts';
import { bannerText, heloCommand } from './helo.ts';
import { InputTimeout } from './input.ts';
import { bytesToText } from './log-text.ts';
import { mailCommand } from './mail.ts';
import { optBool, optString } from './options.ts';
import { rcptCommand } from './rcpt.ts';
import { countNonmail, nonmailTlsStarted } from './nonmail.ts';
import { loadRateLimits } from './rate-limit.ts';
import { commandTimeoutReply, lostInput, REPLY, replyLines } from './replies.ts';
import { SessionEnd, SmtpSession } from './session.ts';
import { BatchAbort, type BatchState } from './batch.ts';
import { etrnCommand, helpCommand, noopCommand, quitCommand, rsetCommand } from './simple.ts';
import { expnCommand, vrfyCommand } from './vrfy-expn.ts';
import { starttlsCommand, tlsOnConnect } from './starttls.ts';
import { runTlsAuthenticator } from './tls-auth.ts';
import { PROXY_FAILED_REPLY, startProxiedSession } from './proxy-protocol.ts';
import { xclientCommand } from './xclient.ts';
import { refuseTooSoon, sentTooSoon } from './sync.ts';
import { closeDown } from './closedown.ts';
import { PanicDie } from '../../log/panic-die.ts';
import type { ConnectionInfo, SmtpIo, SmtpServices } from './types.ts';

export { SmtpSession, SessionEnd } from './session.ts';

// Exim's classes of commands for the synchronisation check: these must always end a pipelined group,
// MAIL, RCPT and RSET only when PIPELINING was not advertised, and BDAT, AUTH, QUIT and HELP never
// (an unknown command always must).
const ALWAYS_SYNC = new Set(['HELO', 'EHLO', 'DATA', 'VRFY', 'EXPN', 'NOOP', 'ATRN', 'ETRN', 'STARTTLS', 'XCLIENT']);
const NEVER_SYNC = new Set(['BDAT', 'AUTH', 'QUIT', 'HELP']);

/** The commands the session knows (dispatch); anything else is an unknown command. */
const KNOWN_VERBS = new Set(['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'HELP', 'QUIT', 'VRFY', 'EXPN', 'ETRN', 'ATRN',
  'STARTTLS', 'AUTH', 'XCLIENT']);

/**
 * Host-list options Exim checks when a connection starts, in its order (the
 * -bh trace shows them). Some of them tern does not act on yet (config/implemented.ts).
 */
const CONNECTION_HOST_LISTS = [
  'hosts_connection_nolog', 'host_lookup', 'host_reject_connection', 'sender_unqualified_hosts',
  'recipient_unqualified_hosts', 'helo_verify_hosts', 'helo_try_verify_hosts', 'helo_accept_junk_hosts', 'hosts_proxy',
];

/** How a session went: messages accepted, and for -bS the error that ended the batch. */
export interface SessionSummary {
  messagesReceived: number;
  /** The session ended on a failure Exim would have died of (PanicDie): -bh exits 1. */
  fatal?: boolean;
  batchError?: BatchState['error'];
}

export async function runSmtpSession(io: SmtpIo, conn: ConnectionInfo, services: SmtpServices): Promise<SessionSummary> {
  const s = new SmtpSession(io, conn, services);
  installDnsFailEvent(s);
  // a host-list item naming a host without an address (Exim's "no IP address found for host" line)
  s.ctx.hooks.hostNotFound = (name) => {
    const full = senderFullhost(s.peer(), s.logger.selector as never);
    const line = `no IP address found for host ${name}${full ? ` (during SMTP connection from ${full})` : ''}`;
    // -bh shows it as a debug line too, as Exim does
    if (s.services.trace) s.trace(line);
    s.logger.main(line);
  };
  // a host list needed the client's name and its address has none
  s.ctx.hooks.noHostName = (address) => s.logger.main(`no host name found for IP address ${address}`);
  let end: 'quit' | 'lost' | 'timeout' | 'drop' | 'tls-failed' | 'batch-error' | 'other' = 'other';
  try {
    await s.loadTimeout();
    await s.loadHostname();
    s.rateLimits = await loadRateLimits(s);
    if (!await greet(s)) { end = 'drop'; return summary(s); }
    end = await commandLoop(s);
  } catch (e) {
    if (e instanceof SessionEnd) end = e.message as typeof end;
    else if (e instanceof BatchAbort) end = 'batch-error';
    else if (e instanceof PanicDie) {
      s.logger.panic(e.message, { mainToo: true });
      s.fatal = true;
      // -bh ends here, as Exim's process does; a client gets Exim's closedown
      if (!s.isHostCheck && !s.isBatch) await closeDown(s);
      end = 'other';
    } else {
      s.logger.panic(`SMTP session error: ${e instanceof Error ? e.message : String(e)}`);
      try {
        s.send(`421 ${s.hostname} ${REPLY.temporaryProblem}`);
      } catch { /* a batch records it as its error */ }
      end = 'other';
    }
  } finally {
    await finishSession(s, end);
  }
  return summary(s);
}

function summary(s: SmtpSession): SessionSummary {
  return { messagesReceived: s.messagesReceived, batchError: s.batch.error, fatal: s.fatal };
}

async function greet(s: SmtpSession): Promise<boolean> {
  if (s.conn.kind === 'tcp' && s.logger.selector.has('smtp_connection')) {
    s.logger.main(formatConnectionOpened(s.peer(), s.logger.selector as never, s.conn.connectionCount));
  }
  if (s.isHostCheck) {
    s.notice('');
    s.notice(`**** SMTP testing session as if from host ${s.conn.remoteAddress}`);
    s.notice('**** but without any ident (RFC 1413) callback.');
    s.notice('**** This is not for real!');
    s.notice('');
  }
  if (!s.isLocal) {
    let heloVerifyHost = false;
    for (const option of CONNECTION_HOST_LISTS) {
      // a host that must verify its HELO is not checked against the "try" list, as in Exim
      if (option === 'helo_try_verify_hosts' && heloVerifyHost) continue;
      const matched = await s.checkHostListOnce(option);
      if (option === 'helo_verify_hosts') heloVerifyHost = matched;
      if (option === 'host_lookup' && matched) await lookUpClientName(s);
    }
    await identifyCaller(s);
    // after the connection's host checks (which see the proxy), before TLS on connect, as Exim
    if (await s.hostInList('hosts_proxy')) await startProxiedSession(s);
  }
  if (s.conn.tlsOnConnect && !await tlsOnConnect(s)) return false;
  const acl = await runPhaseAcl(s, 'connect');
  if (acl.verdict !== 'accept' && acl.verdict !== 'discard') {
    s.sendLines(acl.lines);
    return false;
  }
  if (!s.isLocal) s.pipeConnectAcceptable = await s.checkHostListOnce('pipelining_connect_advertise_hosts');
  // Input before the banner: a client that did not wait (allowed only where PIPECONNECT may be used).
  if (s.checksSync && (s.aclConn.controls.enforceSync ?? optBool(s.config, 'smtp_enforce_sync'))) {
    if (s.input.pendingInput() && !await s.hostInList('pipelining_connect_advertise_hosts')) {
      const early = s.input.peekBuffered(150).toString('latin1');
      s.send(REPLY.syncError);
      s.logger.reject(formatEarlyInput(s.peer(), s.logger.selector as never, bytesToText(early)));
      return false;
    }
  }
  const banner = await bannerText(s);
  s.sendLines(replyLines('220', banner));
  return true;
}

/**
 * Exim knows a command by its name followed by a space or the end of the
 * line, and MAIL and RCPT only as "MAIL FROM:" and "RCPT TO:": anything
 * else ("MAIL TO:", "RCPT FROM:", "NOOP<tab>x") is an unknown command.
 */
function recognised(line: string, verb: string): boolean {
  if (!KNOWN_VERBS.has(verb)) return false;
  const text = line.replace(/[ \t\r\n]+$/, '');
  if (verb === 'MAIL') return /^MAIL FROM:/i.test(text);
  if (verb === 'RCPT') return /^RCPT TO:/i.test(text);
  return text.length === verb.length || text[verb.length] === ' ';
}

/** Whether the client sent more before we answered, where it had to wait. */
function syncViolation(s: SmtpSession, verb: string): boolean {
  // While PIPECONNECT is acceptable (until the first DATA or BDAT) Exim reads commands unchecked: so
  // plaintext pipelined after STARTTLS is thrown away then (starttls.ts), not refused.
  if (s.pipeConnectAcceptable || !sentTooSoon(s)) return false;
  // Exim looks only at its plaintext input buffer here: under TLS only the checks after ACLs apply (sync.ts)
  if (s.tlsActive) return false;
  if (!KNOWN_VERBS.has(verb) || ALWAYS_SYNC.has(verb)) return true;
  if (NEVER_SYNC.has(verb)) return false;
  const mayPipeline = s.advertised.pipelining && !s.aclConn.controls.noPipelining;
  return !mayPipeline;
}

async function commandLoop(s: SmtpSession): Promise<'quit' | 'lost' | 'timeout'> {
  for (;;) {
    if (s.tlsAuthDue) await runTlsAuthenticator(s);
    let cmd;
    try {
      cmd = await s.readCommand();
    } catch (e) {
      if (e instanceof InputTimeout) {
        s.send(commandTimeoutReply(s.hostname));
        s.logger.main(formatCommandTimeout(s.peer(), s.logger.selector as never, s.now() - s.startedAt));
        return 'timeout';
      }
      throw e;
    }
    if (cmd === null) {
      if (!s.isBatch) s.send(lostInput(s.hostname));
      logLostConnection(s);
      return 'lost';
    }
    const line = cmd.text;
    const m = /^([A-Za-z]+)(?:[ \t]+(.*))?$/s.exec(line);
    const verb = m && recognised(line, m[1].toUpperCase()) ? m[1].toUpperCase() : '';
    const arg = m ? (m[2] ?? '').replace(/[ \t]+$/, '') : '';
    setVar(s.ctx, 'smtp_command', line, true);
    setVar(s.ctx, 'smtp_command_argument', arg, true);
    if (line.includes('\0')) {
      s.send(REPLY.nulInCommand);
      await countProtocolError(s, line, 'NUL character(s) present (shown as \'?\')');
      continue;
    }
    if (s.proxyFailed && verb !== 'QUIT') {
      s.send(PROXY_FAILED_REPLY);
      continue;
    }
    if (s.chunking === 'chunks' && verb !== 'BDAT' && verb !== 'RSET' && verb !== 'QUIT') {
      s.send(REPLY.onlyBdat);
      s.chunking = 'failed';
      continue;
    }
    if (s.chunking === 'failed' && verb !== 'RSET' && verb !== 'QUIT') {
      s.send(REPLY.onlyRset);
      continue;
    }
    // a line cut at the buffer size is an unknown command, not a synchronisation point
    if (!cmd.truncated && syncViolation(s, verb)) refuseTooSoon(s, line);
    // Like the synchronisation check, pipelining is only detected on a socket (not -bs).
    if (verb && s.checksSync && !m?.[0].startsWith('BDAT') && s.input.pendingInput()) s.pipeliningUsed = true;
    // the C= list of Exim's log lines names known commands only
    if (s.history.length < 10_000 && KNOWN_VERBS.has(verb)) s.history.push(verb);
    if (!cmd.truncated) await countNonmail(s, verb, line);
    s.prevCmdFlags = s.cmdFlags;
    s.cmdFlags = { rejectedMail: false, rcptWithoutSender: false };
    if (await dispatch(s, verb, line, arg, cmd.truncated) === 'quit') return 'quit';
  }
}

/**
 * The input ended where a command was due. As Exim: in a transaction the
 * "unexpected disconnection" line (EOF for a local caller), otherwise only
 * +smtp_connection's "lost" line, since many clients just hang up.
 */
function logLostConnection(s: SmtpSession): void {
  const sel = s.logger.selector as never;
  const d = formatDuration(s.now() - s.startedAt, sel);
  if (s.sender !== undefined || s.recipients.length > 0) {
    const what = s.isLocal ? TEXT.unexpectedDisconnect.replace('disconnection', 'EOF') : TEXT.unexpectedDisconnect;
    s.logger.main(`${what} ${hostAndIdent(s.peer(), sel, false)} D=${d}`);
  } else if (s.conn.kind === 'tcp' && s.logger.selector.has('smtp_connection')) {
    s.logger.main(formatConnectionClosed(s.peer(), sel, s.now() - s.startedAt, { how: 'lost', error: s.input.endError()?.message }));
  }
}

async function dispatch(s: SmtpSession, verb: string, line: string, arg: string, truncated: boolean): Promise<'quit' | void> {
  if (truncated) return countUnknown(s, line);
  // Exim's commands that take no argument (DATA and QUIT say so themselves)
  if ((verb === 'RSET' || verb === 'STARTTLS') && arg !== '') {
    s.send(REPLY.unexpectedArgument);
    return countSyntaxError(s, line, 'unexpected argument data');
  }
  switch (verb) {
    case 'HELO': case 'EHLO':
      // -bS: HELO and EHLO act as RSET (the name is still recorded, as Exim does).
      if (s.isBatch) { s.resetTransaction(); if (arg) s.heloName = arg; return; }
      return heloCommand(s, verb, arg);
    case 'MAIL': return mailCommand(s, line, arg);
    case 'RCPT': return rcptCommand(s, line, arg);
    case 'DATA': return dataCommand(s, line, arg);
    case 'BDAT': if (s.isBatch) break; return bdatCommand(s, line, arg);
    case 'RSET': rsetCommand(s); return;
    case 'NOOP': noopCommand(s); return;
    case 'HELP': if (s.isBatch) return; return helpCommand(s);
    case 'QUIT':
      try {
        await quitCommand(s, line, arg);
      } catch (e) {
        if (e instanceof SessionEnd) return 'quit';
        throw e;
      }
      return;
    case 'VRFY': if (s.isBatch) return; return vrfyCommand(s, arg);
    case 'EXPN': if (s.isBatch) return; return expnCommand(s, arg);
    case 'ETRN': if (s.isBatch) return; return etrnCommand(s, arg);
    case 'ATRN': if (s.isBatch) return; break;
    case 'STARTTLS': {
      if (s.isBatch) break;
      const before = s.tlsActive;
      await starttlsCommand(s, line);
      if (!before && s.tlsActive) nonmailTlsStarted(s.nonmail);
      return;
    }
    case 'AUTH': if (s.isBatch) break; return authCommand(s, line, arg);
    case 'XCLIENT':
      // without hosts_xclient, as an Exim built without XCLIENT (Debian's): an unknown command
      if (s.isBatch || (!s.xclientSession && optString(s.config, 'hosts_xclient') === undefined)) break;
      return xclientCommand(s, line, arg);
  }
  return countUnknown(s, line);
}

async function finishSession(s: SmtpSession, end: string): Promise<void> {
  if (end !== 'quit') {
    try {
      const reason = end === 'lost' ? 'connection-lost' : end === 'timeout' ? 'command-timeout' : end === 'drop' ? 'acl-drop' : end === 'tls-failed' ? 'tls-failed' : 'connection-lost';
      setVar(s.ctx, 'smtp_notquit_reason', reason);
      if (!s.isHostCheck && optString(s.config, 'acl_smtp_notquit')) await runPhaseAcl(s, 'notquit', { noLog: true });
    } catch { /* notquit cannot change anything now */ }
  }
  if (!s.mailSeen && !s.isBatch && s.logger.selector.has('smtp_no_mail') && end !== 'other') {
    s.logger.main(formatNoMail(s.peer(), s.logger.selector as never, s.now() - s.startedAt, s.history));
  }
  if (s.conn.kind === 'tcp' && s.logger.selector.has('smtp_connection')) {
    const d = s.now() - s.startedAt;
    const head = `${TEXT.connection} from ${hostAndIdent(s.peer(), s.logger.selector as never, false)}`;
    // a lost connection was logged where the input ended
    if (end === 'quit') s.logger.main(formatConnectionClosed(s.peer(), s.logger.selector as never, d, { how: 'quit' }));
    else if (end === 'drop') s.logger.main(`${head} closed by DROP in ACL`);
    else if (end !== 'lost' && end !== 'timeout') s.logger.main(`${head} lost`);
  }
  s.flush();
  await new Promise<void>((resolve) => {
    if (s.output.writableLength === 0) return resolve();
    // 'drain' comes only after a write that filled the buffer (a TLS stream's last reply usually
    // does not): an empty write's callback says when what is queued before it has gone
    s.output.write(Buffer.alloc(0), () => resolve());
    setTimeout(resolve, 1000).unref();
  });
  s.closeTransport();
}
