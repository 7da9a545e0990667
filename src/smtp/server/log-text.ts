// The session keeps what the client sent as byte strings (latin1: one char
// per byte); the log module takes text in the expander's convention (valid
// UTF-8 as characters, other bytes as U+DC80..U+DCFF). This wrapper turns
// the session's log lines into that convention so that a client's byte
// 0xC3 is logged as Exim logs it ("\303"), not as the two bytes of "Ã".

import { byteStringToText, textToByteString } from '../../expand/operators/bytes.ts';
import type { SessionLogger } from './types.ts';

/** The two directions of the boundary, under the names the session uses. */
export const bytesToText = byteStringToText;
export const textToBytes = textToByteString;

export function byteStringLogger(logger: SessionLogger): SessionLogger {
  return {
    get selector() { return logger.selector; },
    main: (text, opts) => logger.main(bytesToText(text), opts),
    reject: (text, opts) => logger.reject(bytesToText(text), opts),
    panic: (text, opts) => logger.panic(bytesToText(text), opts),
    messageLog: logger.messageLog ? (id, text) => logger.messageLog!(id, bytesToText(text)) : undefined,
  };
}
