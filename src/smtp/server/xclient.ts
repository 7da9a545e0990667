// XCLIENT (Postfix's extension, Exim's experimental support): a proxy in
// hosts_xclient tells us who its client really is. Exim takes ADDR, NAME,
// PORT, LOGIN, DESTADDR and DESTPORT (HELO and PROTO are left to the EHLO
// that must follow); a value may be xtext, or [UNAVAILABLE]/[TEMPUNAVAIL]
// for "unknown". The first XCLIENT must give ADDR and PORT. Success is
// "220 XCLIENT success" and a new HELO/EHLO is then required. The proxy's
// side ends up in $proxy_local_*, the client's destination in
// $proxy_external_*, and $proxy_session is "yes".
//
// Unlike Exim, a command with a bad operand changes nothing (Exim applies
// the operands before the bad one).

import { hostAndIdent } from '../../log/index.ts';
import type { ServerAuthenticator } from '../../auth/types.ts';
import { setVar } from './context.ts';
import { countSyntaxError } from './errors.ts';
import { decodeXtext } from './params.ts';
import { setClientAddress } from './proxy-protocol.ts';
import type { SmtpSession } from './session.ts';

/** The attributes Exim accepts, in the order the EHLO keyword lists them. */
export const XCLIENT_ATTRIBUTES = ['ADDR', 'NAME', 'PORT', 'LOGIN', 'DESTADDR', 'DESTPORT'] as const;
type Attribute = typeof XCLIENT_ATTRIBUTES[number];

/** The EHLO line that offers XCLIENT. */
export const XCLIENT_EHLO = `XCLIENT ${XCLIENT_ATTRIBUTES.join(' ')}`;

/** XCLIENT LOGIN= authenticates the session "by xclient" (A=xclient:login, $sender_host_authenticated). */
const XCLIENT_AUTHENTICATOR: ServerAuthenticator = {
  driverName: 'xclient', instanceName: 'xclient', publicName: 'XCLIENT', implemented: true, mailAuthCondition: undefined,
  advertise: () => Promise.resolve(false),
  serve: () => Promise.resolve({ result: 'fail' } as never),
};

/** One operand: its value, or null for [UNAVAILABLE]/[TEMPUNAVAIL]. */
type Operands = Map<Attribute, string | null>;

/** Parse the operands (a byte string); a string is the 501 text. */
export function parseXclient(arg: string): Operands | string {
  if (arg.trim() === '') return 'XCLIENT must have at least one operand';
  const ops: Operands = new Map();
  let i = 0;
  for (;;) {
    while (i < arg.length && /[ \t]/.test(arg[i])) i++;
    if (i >= arg.length) return ops;
    // As Exim, the name runs to the next "=", even across spaces.
    const eq = arg.indexOf('=', i);
    if (eq < 0) return `XCLIENT: missing value for parameter '${arg.slice(i)}'`;
    const name = arg.slice(i, eq);
    const attr = XCLIENT_ATTRIBUTES.find((a) => a === name.toUpperCase());
    if (!attr) return `XCLIENT: unrecognised parameter '${name}'`;
    let end = eq + 1;
    while (end < arg.length && !/[ \t]/.test(arg[end])) end++;
    const raw = arg.slice(eq + 1, end);
    if (raw === '') return 'XCLIENT: zero-length value for param';
    if (/^\[(?:UNAVAILABLE|TEMPUNAVAIL)\]$/i.test(raw)) {
      ops.set(attr, null);
    } else {
      const v = decodeXtext(raw);
      if (v === undefined) return `failed xtext decode for XCLIENT: '${arg.slice(eq + 1)}'`;
      ops.set(attr, v);
    }
    i = end;
  }
}

/** Exim's atoi: leading digits, else 0. */
function portOf(v: string | null): number {
  const m = v === null ? null : /^\s*(\d+)/.exec(v);
  return m ? Number(m[1]) : 0;
}

function refuse(s: SmtpSession, code: string, text: string): void {
  s.send(`${code} ${text}`);
  s.logger.reject(`rejected XCLIENT from ${hostAndIdent(s.peer(), s.logger.selector as never, false)}: ${text}`);
}

export async function xclientCommand(s: SmtpSession, line: string, arg: string): Promise<void> {
  if (!s.heloSeen && await s.hostInList('hosts_require_helo')) { refuse(s, '503', 'no HELO/EHLO given'); return; }
  if (!s.xclientSession && !await s.hostInList('hosts_xclient')) {
    s.send('501 XCLIENT command used when not advertised');
    await countSyntaxError(s, line, 'XCLIENT command used when not advertised');
    return;
  }
  if (s.sender !== undefined) { refuse(s, '503', 'mail transaction in progress'); return; }
  const ops = parseXclient(arg);
  const missing = typeof ops === 'string' ? ops
    : !ops.has('ADDR') && !s.ctx.vars.get('proxy_local_address')?.value ? 'missing ADDR for XCLIENT'
      : !ops.has('PORT') && Number(s.ctx.vars.get('proxy_local_port')?.value ?? 0) === 0 ? 'missing PORT for XCLIENT'
        : undefined;
  if (typeof ops === 'string' || missing !== undefined) {
    const text = missing ?? String(ops);
    s.send(`501 ${text}`);
    await countSyntaxError(s, line, text);
    return;
  }
  applyXclient(s, ops);
  // the proxy's client must introduce itself (Exim keeps the old HELO name until it does)
  s.heloSeen = false;
  s.send('220 XCLIENT success');
}

function applyXclient(s: SmtpSession, ops: Operands): void {
  let address = s.conn.remoteAddress;
  let port = s.conn.remotePort ?? 0;
  if (ops.has('ADDR')) {
    setVar(s.ctx, 'proxy_local_address', address ?? '');
    address = ops.get('ADDR') ?? undefined;
  }
  if (ops.has('PORT')) {
    setVar(s.ctx, 'proxy_local_port', String(port));
    port = portOf(ops.get('PORT') ?? null);
  }
  if (ops.has('ADDR') || ops.has('PORT')) setClientAddress(s, address, port, true);
  if (ops.has('NAME')) {
    const name = ops.get('NAME');
    if (s.aclConn.host) s.aclConn.host = { address: s.aclConn.host.address, ...(name ? { name } : {}) };
    if (name) setVar(s.ctx, 'sender_host_name', name, true);
    else s.ctx.vars.delete('sender_host_name');
  }
  if (ops.has('DESTADDR')) setVar(s.ctx, 'proxy_external_address', ops.get('DESTADDR') ?? '', true);
  if (ops.has('DESTPORT')) setVar(s.ctx, 'proxy_external_port', String(portOf(ops.get('DESTPORT') ?? null)), true);
  if (ops.has('LOGIN')) {
    const login = ops.get('LOGIN');
    if (login) {
      s.authenticatedBy = XCLIENT_AUTHENTICATOR;
      s.authenticatedId = login;
      s.authenticatedIdTainted = true;
      s.aclConn.authenticatedBy = XCLIENT_AUTHENTICATOR.instanceName;
      setVar(s.ctx, 'authenticated_id', login, true);
      setVar(s.ctx, 'sender_host_authenticated', XCLIENT_AUTHENTICATOR.instanceName);
      setVar(s.ctx, 'authentication_failed', '0');
    } else {
      s.authenticatedBy = undefined;
      s.authenticatedId = undefined;
      s.aclConn.authenticatedBy = undefined;
      s.ctx.vars.delete('authenticated_id');
      s.ctx.vars.delete('sender_host_authenticated');
    }
  }
  s.xclientSession = true;
  setVar(s.ctx, 'proxy_session', 'yes');
}
