// STARTTLS and TLS on connect: putting the session's transport under TLS
// (src/tls does the handshake), then forgetting what the client said in
// plaintext, as RFC 3207 and Exim do.
//
// Pipelined plaintext after STARTTLS never reaches the TLS session: the
// session input is detached first (its buffer and the stream's unread bytes
// dropped, the stream paused), and upgrade() drops whatever arrived since in
// the same synchronous step that writes "220 TLS go ahead" and attaches TLS.
// STARTTLS is therefore not a synchronisation point (Exim does not check it).

import { sessionEvent } from './events.ts';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { expandConnectionSettings } from '../../tls/settings.ts';
import { makeTlsServer, setTlsVariables, TlsHandshakeError, TlsSetupError, tlsErrorLogText, type TlsServer, type TlsUpgrade } from '../../tls/index.ts';
import { senderFullhost } from '../../log/host.ts';
import { runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { countProtocolError } from './errors.ts';
import { optBool, optString } from './options.ts';
import { NOTHING_ADVERTISED, SessionEnd, type SmtpSession } from './session.ts';

export const STARTTLS_REPLY = {
  goAhead: '220 TLS go ahead',
  unavailable: '454 TLS currently unavailable',
  notAdvertised: '503 STARTTLS command used when not advertised',
} as const;

const servers = new WeakMap<object, TlsServer>();

/** One TlsServer per configuration (it caches contexts). */
function tlsServerFor(s: SmtpSession): TlsServer {
  if (s.services.tls) return s.services.tls;
  let t = servers.get(s.config);
  if (!t) {
    t = makeTlsServer(s.config, s.ctx);
    servers.set(s.config, t);
  }
  return t;
}

/** A duplex over separate input and output streams (-bs: stdin and stdout), for TLS to run on. */
function pipePair(input: Readable, output: Writable): Duplex {
  const d = new Duplex({
    read() { input.resume(); },
    write(chunk: Buffer, _enc, cb) { output.write(chunk, cb); },
    final(cb) { cb(); },
  });
  input.on('data', (c: Buffer) => { if (!d.push(c)) input.pause(); });
  input.on('end', () => d.push(null));
  return d;
}

function clientHost(s: SmtpSession): { address: string; name?: string; fullHost?: string } {
  const p = s.peer();
  return { address: p.address ?? '', name: p.name, fullHost: senderFullhost(p, s.logger.selector as never) };
}

/** The TLS failure line: "TLS error on connection from <fullhost> (SSL_accept): ..." (no "from" for a local caller). */
function failureLogText(s: SmtpSession, message: string, action = 'SSL_accept'): string {
  return tlsErrorLogText(s.isLocal ? undefined : clientHost(s), action, message);
}

/** Switch the session to the TLS stream and record what the handshake says. */
function useTls(s: SmtpSession, up: TlsUpgrade): void {
  s.output = up.stream;
  s.input.attach(up.stream);
  const previousClose = s.closeTransport;
  s.closeTransport = () => { up.stream.end(); previousClose(); };
  s.tlsActive = true;
  s.tlsAuthDue = true;
  s.tlsInfo = up;
  s.aclConn.tlsCipher = up.cipher;
  setTlsVariables(s.ctx, up);
}

/** tls:cert: $tls_in_peercert is the chain element, $event_data its depth; a non-empty result refuses verification. */
async function certEvent(s: SmtpSession, pem: string, depth: number): Promise<boolean> {
  const saved = s.ctx.vars.get('tls_in_peercert');
  s.ctx.vars.set('tls_in_peercert', { value: pem, tainted: true });
  try {
    return (await sessionEvent(s, 'tls:cert', String(depth))) !== undefined;
  } finally {
    if (saved) s.ctx.vars.set('tls_in_peercert', saved);
    else s.ctx.vars.delete('tls_in_peercert');
  }
}

/** Run the handshake on the session's transport; the promise fails with TlsSetupError or TlsHandshakeError. */
async function handshake(s: SmtpSession, onConnect: boolean): Promise<TlsUpgrade> {
  const transport = s.io.socket ?? pipePair(s.io.input, s.io.output);
  return tlsServerFor(s).upgrade(transport, {
    onConnect, clientHost: clientHost(s), ctx: s.ctx, goAhead: onConnect ? undefined : STARTTLS_REPLY.goAhead,
    timeoutMs: s.receiveTimeoutMs,
    certEvent: optString(s.config, 'event_action') ? (pem, depth) => certEvent(s, pem, depth) : undefined,
  });
}

export async function starttlsCommand(s: SmtpSession, line: string): Promise<void> {
  if (!s.advertised.starttls || s.tlsActive) {
    s.send(STARTTLS_REPLY.notAdvertised);
    await countProtocolError(s, line, 'STARTTLS command used when not advertised');
    return;
  }
  const acl = await runPhaseAcl(s, 'starttls', { commandData: '' });
  if (acl.verdict !== 'accept') {
    s.sendLines(acl.lines);
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  // An implied RSET; pipelined plaintext is thrown away, never read as a command.
  s.resetTransaction();
  s.flush();
  if (s.isHostCheck) {
    // -bh cannot talk TLS on its standard input: Exim's handshake (GnuTLS) fails there and the session ends
    await expandConnectionSettings(s.config, { address: s.conn.remoteAddress, name: s.aclConn.host?.name }, s.ctx);
    s.send(STARTTLS_REPLY.goAhead);
    s.logger.main(failureLogText(s, 'Error in the pull function.', 'gnutls_handshake'));
    throw new SessionEnd('tls-failed');
  }
  s.input.detach();
  let up: TlsUpgrade;
  try {
    up = await handshake(s, false);
  } catch (e) {
    if (e instanceof TlsSetupError) {
      s.logger.main(failureLogText(s, e.message, e.action));
      s.input.attach(s.io.socket ?? s.io.input);
      s.send(STARTTLS_REPLY.unavailable);
      return;
    }
    if (e instanceof TlsHandshakeError) {
      s.logger.main(failureLogText(s, e.message));
      await sessionEvent(s, 'tls:fail:connect', e.message);
      throw new SessionEnd('tls-failed');
    }
    throw e;
  }
  useTls(s, up);
  if (!optBool(s.config, 'tls_remember_esmtp')) {
    s.heloName = undefined;
    s.heloSeen = false;
    s.esmtp = false;
    s.advertised = NOTHING_ADVERTISED;
    s.ctx.vars.delete('sender_helo_name');
  }
  // Authentication from before TLS does not carry over.
  s.authenticatedBy = undefined;
  s.authenticatedId = undefined;
  s.aclConn.authenticatedBy = undefined;
  setVar(s.ctx, 'received_protocol', s.protocolName());
}

/** TLS on connect (tls_on_connect_ports / -tls-on-connect): the handshake comes before the banner. Returns false when it failed. */
export async function tlsOnConnect(s: SmtpSession): Promise<boolean> {
  s.input.detachKeeping();
  try {
    useTls(s, await handshake(s, true));
    return true;
  } catch (e) {
    if (e instanceof TlsSetupError || e instanceof TlsHandshakeError) {
      s.logger.main(failureLogText(s, e.message, e instanceof TlsSetupError ? e.action : 'SSL_accept'));
      if (e instanceof TlsHandshakeError) await sessionEvent(s, 'tls:fail:connect', e.message);
      return false;
    }
    throw e;
  }
}
