// What ACLs write to the logs: the host/ident prefix of warn lines,
// logwrite targets, and Exim's escaping of non-printing characters.

import type { LogTarget, RunState } from './state.ts';
import { getVar } from './state.ts';
import { senderFullhost } from '../log/host.ts';
import type { LogSelector } from '../log/selectors.ts';
import { stringPrinting } from '../log/printing.ts';

/**
 * Exim's string_printing() as ACL log text (logwrite, warn's log_message)
 * uses it: control characters and top-bit bytes become escapes (the bytes
 * stay with print_topbitchars), except TAB, which stays as it is (checked
 * with exim4).
 */
export function printable(s: string, topBitChars = false): string {
  return stringPrinting(s, { topBitChars, keepTab: true });
}

/** print_topbitchars: top-bit bytes are written to the logs as they are. */
export function topBitChars(st: RunState): boolean {
  const v = st.actx.config.getOption('print_topbitchars');
  return v.kind === 'bool' && v.value;
}

/** Exim's host_and_ident(): "H=name [ip]" (or "U=ident" without a host), for log lines. */
export function hostAndIdent(st: RunState, useFlag: boolean): string {
  const full = getVar(st, 'sender_fullhost') ?? fullhostFromVars(st);
  const ident = getVar(st, 'sender_ident');
  if (!full) return `${useFlag ? 'U=' : ''}${ident || 'unknown'}`;
  let s = `${useFlag ? 'H=' : ''}${full}`;
  const sel = st.actx.logger?.selector;
  const ifAddr = getVar(st, 'received_ip_address') ?? getVar(st, 'interface_address');
  if (sel?.has('incoming_interface') && ifAddr) s += ` I=[${ifAddr}]:${getVar(st, 'received_port') ?? getVar(st, 'interface_port') ?? ''}`;
  if (ident) s += ` U=${ident}`;
  return s;
}

/** $sender_fullhost built from its parts, for sessions that do not set the variable itself. */
function fullhostFromVars(st: RunState): string | undefined {
  const address = getVar(st, 'sender_host_address');
  if (!address) return undefined;
  const sel = st.actx.logger?.selector ?? { has: () => false };
  const port = getVar(st, 'sender_host_port');
  return senderFullhost({
    address, name: getVar(st, 'sender_host_name') || undefined, heloName: getVar(st, 'sender_helo_name'),
    port: port === undefined ? undefined : Number(port),
  }, sel as LogSelector);
}

/** Write one line to the given logs. */
export function writeLog(st: RunState, targets: readonly LogTarget[], text: string): void {
  const logger = st.actx.logger;
  if (!logger) return;
  const id = st.actx.messageId;
  const main = targets.includes('main');
  const reject = targets.includes('reject');
  const panic = targets.includes('panic');
  // A rejection or panic entry goes to the main log too: one call for both, as Exim writes it once.
  if (main && reject) logger.reject(text, { id });
  else if (main && !panic) logger.main(text, { id });
  else if (reject) logger.reject(text, { id, headers: st.actx.headers, mainToo: false });
  if (panic) logger.panic(text, main && !reject ? { id, mainToo: true } : { mainToo: false });
}

/** A panic-worthy configuration problem found at run time: main and panic logs. */
export function logPanic(st: RunState, text: string): void {
  writeLog(st, ['main', 'panic'], text);
}
