// The Received: header (option received_header_text) and the host texts it
// is built from ($sender_rcvhost, $sender_fullhost).

import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandString, ForcedFail } from '../expand/index.ts';
import { todFormat } from '../expand/variables.ts';
import { encodeBytes } from '../expand/operators/bytes.ts';
import type { Origin } from './types.ts';

/**
 * $sender_rcvhost as Exim builds it for Received: lines:
 *   name ([ip] ident=u)                 the HELO name equals the host name
 *   name\n\t([ip] helo=h ident=u)       it differs (folded)
 *   [ip] (helo=h ident=u)               no verified host name (no helo= when
 *                                       the HELO name is [ip])
 * Undefined for a message without a remote host.
 */
export function senderRcvhost(origin: Origin): string | undefined {
  const h = origin.host;
  if (!h) return undefined;
  const helo = h.helo ?? origin.helo;
  const ident = h.ident;
  if (h.name !== undefined) {
    const heloDiffers = helo !== undefined && helo.toLowerCase() !== h.name.toLowerCase();
    const inner = `[${h.address}]` + (heloDiffers ? ` helo=${helo}` : '') + (ident !== undefined ? ` ident=${ident}` : '');
    // on one line, however long (checked with exim4 -bh against DNS)
    return `${h.name} (${inner})`;
  }
  // a HELO that is just the address as a literal is not repeated (Exim 4.98: "from [192.0.2.1]")
  const heloShown = helo !== undefined && helo.toLowerCase() !== `[${h.address.toLowerCase()}]`;
  const extra = [heloShown ? `helo=${helo}` : '', ident !== undefined ? `ident=${ident}` : ''].filter(Boolean).join(' ');
  return `[${h.address}]` + (extra ? ` (${extra})` : '');
}

/**
 * The Received: header line for a message, or undefined when the option
 * expands to nothing (or its expansion is forced to fail). Exim appends
 * ";\n\t" and the time the message started to arrive. The result is a byte
 * string (see mail/message.ts).
 */
export function buildReceivedHeader(config: Config, ectx: ExpandContext, time: Date): string | undefined {
  const text = optionString(config, 'received_header_text');
  let expanded: string;
  try {
    expanded = expandString(text, ectx);
  } catch (e) {
    if (e instanceof ForcedFail) return undefined;
    throw new Error(`expansion of "received_header_text" failed: ${(e as Error).message}`, { cause: e });
  }
  if (expanded === '') return undefined;
  const line = `${expanded};\n\t${todFormat('full', time)}\n`;
  return encodeBytes(line).toString('latin1');
}
