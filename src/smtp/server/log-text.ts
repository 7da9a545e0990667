// The session keeps what the client sent as byte strings (latin1: one char
// per byte); the log module takes text in the expander's convention (valid
// UTF-8 as characters, other bytes as U+DC80..U+DCFF). This wrapper turns
// the session's log lines into that convention so that a client's byte
// 0xC3 is logged as Exim logs it ("\303"), not as the two bytes of "Ã".

import { decodeBytes, encodeBytes } from '../../expand/operators/bytes.ts';
import type { SessionLogger } from './types.ts';

/** A byte string (no char above 0xFF) as expander text; other strings are already text. */
export function bytesToText(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s) || /[^\x00-\xff]/.test(s)) return s;
  return decodeBytes(Buffer.from(s, 'latin1'));
}

/**
 * Expander text (an ACL message, an expanded option) as the session's byte
 * string: characters as UTF-8, escaped bytes as themselves.
 */
export function textToBytes(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? text : encodeBytes(text).toString('latin1');
}

export function byteStringLogger(logger: SessionLogger): SessionLogger {
  return {
    get selector() { return logger.selector; },
    main: (text, opts) => logger.main(bytesToText(text), opts),
    reject: (text, opts) => logger.reject(bytesToText(text), opts),
    panic: (text, opts) => logger.panic(bytesToText(text), opts),
    messageLog: logger.messageLog ? (id, text) => logger.messageLog!(id, bytesToText(text)) : undefined,
  };
}
