// HELO and EHLO: syntax check (helo_accept_junk_hosts, helo_allow_chars),
// the HELO ACL, the greeting line and, for EHLO, the extensions offered in
// Exim's order.

import { refreshHostVars } from './host-vars.ts';
import { expandStringAsync } from '../../expand/index.ts';
import { aclContextFor, runPhaseAcl } from './acl-phase.ts';
import { setVar } from './context.ts';
import { optBool, optNumber, optString } from './options.ts';
import { refuseTooSoon, sentTooSoon } from './sync.ts';
import { heloSyntax, REPLY } from './replies.ts';
import { verifyHeloNow } from '../../acl/index.ts';
import { lookUpClientName } from './host-name.ts';
import { hostAndIdent } from '../../log/index.ts';
import { NOTHING_ADVERTISED, SessionEnd, type Advertised, type SmtpSession } from './session.ts';
import { countSyntaxError } from './errors.ts';
import { textToBytes } from './log-text.ts';
import { XCLIENT_EHLO } from './xclient.ts';

/** RFC 5321 domain or address literal, with helo_allow_chars added to the allowed set. */
export function heloSyntaxOk(arg: string, allowChars: string): boolean {
  if (arg === '') return false;
  if (arg.startsWith('[')) {
    return /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/.test(arg);
  }
  for (const c of arg) {
    if (/[A-Za-z0-9.-]/.test(c) || allowChars.includes(c)) continue;
    return false;
  }
  return true;
}

async function advertise(s: SmtpSession, list: string): Promise<boolean> {
  return s.hostInList(list);
}

/** Decide which extensions to offer (and record them for the later commands). */
export async function computeExtensions(s: SmtpSession): Promise<{ lines: string[]; adv: Advertised }> {
  const lines: string[] = [];
  const adv: Advertised = { ...NOTHING_ADVERTISED, auth: [] };
  const size = await messageSizeLimit(s);
  lines.push(size > 0 ? `SIZE ${size}` : 'SIZE');
  adv.size = true;
  if (await advertise(s, 'limits_advertise_hosts')) {
    const mailmax = optNumber(s.config, 'smtp_accept_max_per_connection');
    let rcptmax = 0;
    try {
      rcptmax = Number(await s.expandOption('recipients_max') ?? 0) || 0;
    } catch { /* unexpandable: no RCPTMAX */ }
    const parts = [mailmax > 0 ? `MAILMAX=${mailmax}` : '', rcptmax > 0 ? `RCPTMAX=${rcptmax}` : ''].filter(Boolean);
    if (parts.length) lines.push(`LIMITS ${parts.join(' ')}`);
  }
  if (optBool(s.config, 'accept_8bitmime')) { lines.push('8BITMIME'); adv.eightBitMime = true; }
  if (await advertise(s, 'dsn_advertise_hosts')) { lines.push('DSN'); adv.dsn = true; }
  if (optString(s.config, 'acl_smtp_etrn')) lines.push('ETRN');
  if (optString(s.config, 'acl_smtp_vrfy')) lines.push('VRFY');
  if (optString(s.config, 'acl_smtp_expn')) lines.push('EXPN');
  if (!s.aclConn.controls.noPipelining && await advertise(s, 'pipelining_advertise_hosts')) {
    lines.push('PIPELINING');
    adv.pipelining = true;
    // Checked once when the connection started (server.ts).
    // Exim 4.98 stops offering PIPECONNECT once a message has been received on the connection
    // offered until the client's first DATA or BDAT (server.ts, data.ts)
    if (!s.isLocal && s.pipeConnectAcceptable) { lines.push('PIPECONNECT'); adv.pipeConnect = true; }
  }
  // Exim offers XCLIENT after PIPELINING; a client that became another by XCLIENT keeps the offer.
  // (An unset hosts_xclient is not checked: Exim builds without XCLIENT have no such line in -bh.)
  if (s.xclientSession || (optString(s.config, 'hosts_xclient') !== undefined && await advertise(s, 'hosts_xclient'))) lines.push(XCLIENT_EHLO);
  // Exim consults auth_advertise_hosts when any authenticator is configured, even client-only ones
  if (!s.authenticatedBy && s.config.authenticators.length > 0 && await advertise(s, 'auth_advertise_hosts')) {
    for (const a of s.services.authenticators ?? []) {
      if (await a.advertise(s.ctx, (t) => s.logger.main(t))) adv.auth.push(a);
    }
    const names = [...new Set(adv.auth.map((a) => a.publicName))];
    if (names.length) lines.push(`AUTH ${names.join(' ')}`);
  }
  if (await advertise(s, 'chunking_advertise_hosts')) { lines.push('CHUNKING'); adv.chunking = true; }
  if (!s.tlsActive && await advertise(s, 'tls_advertise_hosts')) { lines.push('STARTTLS'); adv.starttls = true; }
  if (optBool(s.config, 'prdr_enable')) { lines.push('PRDR'); adv.prdr = true; }
  if (await advertise(s, 'smtputf8_advertise_hosts')) { lines.push('SMTPUTF8'); adv.smtputf8 = true; }
  // Exim checks it here (its -bh trace shows it); WELLKNOWN is not offered yet.
  if (!s.isLocal) await advertise(s, 'wellknown_advertise_hosts');
  lines.push('HELP');
  return { lines, adv };
}

/** message_size_limit expanded, in bytes (0 = no limit). */
export async function messageSizeLimit(s: SmtpSession): Promise<number> {
  let text: string | undefined;
  try {
    text = await s.expandOption('message_size_limit');
  } catch {
    return 0;
  }
  if (!text) return 0;
  const m = /^\s*(\d+)\s*([KkMmGg]?)\s*$/.exec(text);
  if (!m) return 0;
  const mult = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 }[m[2].toLowerCase() as ''];
  return Number(m[1]) * mult;
}

/**
 * helo_try_verify_hosts / helo_verify_hosts (obsolete, still honoured): the
 * HELO name is verified at once; for helo_verify_hosts a failure rejects the
 * command. False when the command was rejected.
 */
async function heloVerification(s: SmtpSession, verb: string, arg: string): Promise<boolean> {
  if (s.isLocal) return true;
  const hard = await s.hostInList('helo_verify_hosts');
  if (!hard && !await s.hostInList('helo_try_verify_hosts')) return true;
  if (await verifyHeloNow(aclContextFor(s, {}))) return true;
  if (!hard) {
    if (s.services.trace) s.trace(`${verb} verification failed but host is in helo_try_verify_hosts`);
    return true;
  }
  s.send(REPLY.heloNotVerified);
  s.logger.reject(`rejected "${verb} ${arg}" from ${hostAndIdent(s.peer(), s.logger.selector as never, false)}`);
  return false;
}

export async function heloCommand(s: SmtpSession, verb: 'HELO' | 'EHLO', arg: string): Promise<void> {
  const name = arg.trim();
  const allow = optString(s.config, 'helo_allow_chars') ?? '';
  if (!heloSyntaxOk(name, allow) && !(name !== '' && await s.hostInList('helo_accept_junk_hosts'))) {
    s.send(heloSyntax(verb));
    // Exim logs every HELO syntax error as a rejection, whatever log_selector says.
    s.logger.reject(`rejected ${verb} from ${hostAndIdent(s.peer(), s.logger.selector as never, false)}: syntactically invalid argument(s): ${name === '' ? '(no argument given)' : arg}`);
    await countSyntaxError(s, `${verb} ${arg}`, `syntactically invalid argument(s): ${arg}`);
    return;
  }
  // A client calling itself one of these names: its real name is looked up (unless it is known already).
  if (!s.isLocal && !s.aclConn.host?.name && await s.domainInList(name, 'helo_lookup_domains')) await lookUpClientName(s);
  // HELO/EHLO resets any transaction
  s.resetTransaction();
  s.heloName = name;
  setVar(s.ctx, 'sender_helo_name', name, true);
  // A new HELO name is verified afresh (verify = helo remembers its answer until then).
  s.aclConn.heloVerified = undefined;
  if (!await heloVerification(s, verb, arg)) {
    // the name stays for the log lines (Exim's "rejected MAIL from (name) [ip]"), but no HELO counts as given
    s.heloSeen = false;
    return;
  }
  const acl = await runPhaseAcl(s, 'helo', { commandData: name });
  if (acl.verdict !== 'accept' && acl.verdict !== 'discard') {
    s.sendLines(acl.lines);
    s.heloName = undefined;
    s.ctx.vars.delete('sender_helo_name');
    if (acl.verdict === 'drop') throw new SessionEnd('drop');
    return;
  }
  if (acl.verdict === 'accept' && optString(s.config, 'acl_smtp_helo') && !s.pipeConnectAcceptable && sentTooSoon(s)) refuseTooSoon(s);
  s.esmtp = verb === 'EHLO';
  s.heloSeen = true;
  setVar(s.ctx, 'received_protocol', s.protocolName());
  // Exim names the ident first when it has one: the local caller, or an RFC 1413 answer.
  const ident = s.peer().ident;
  // ...and the client's host name, once known (host_lookup, XCLIENT NAME), rather than its HELO name
  const shown = s.aclConn.host?.name ?? name;
  const who = (ident !== undefined ? `${ident} at ${shown}` : shown) + (s.isLocal ? '' : ` [${s.conn.remoteAddress}]`);
  const greeting = `${s.hostname} Hello ${who}`;
  if (verb === 'HELO') {
    s.advertised = NOTHING_ADVERTISED;
    s.send(`250 ${greeting}`);
    return;
  }
  const { lines, adv } = await computeExtensions(s);
  s.advertised = adv;
  const all = [greeting, ...lines];
  // no_multiline_responses concerns ACL rejections only: Exim's EHLO reply stays multi-line.
  s.sendLines(all.map((l, i) => `250${i === all.length - 1 ? ' ' : '-'}${l}`));
}

/** Expand smtp_banner (a failure falls back to Exim's default wording). */
export async function bannerText(s: SmtpSession): Promise<string> {
  const raw = optString(s.config, 'smtp_banner') ?? '$smtp_active_hostname ESMTP Exim $version_number $tod_full';
  refreshHostVars(s);
  return textToBytes(await expandStringAsync(raw, s.ctx));
}
