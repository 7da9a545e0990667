// decode = (spec "Scanning MIME parts") and the decoding that mime_regex =
// does first when the part has not been decoded yet. The MIME scanner
// (src/mime) gives the ACL the current part with a decode() that writes
// the file and sets $mime_decoded_filename, $mime_content_size and the
// anomaly variables; here is only the ACL side.

import { mimeRegexCondition } from './content.ts';
import { writeLog } from './logging.ts';
import { waitFor, type Rc, type RunState, type Step } from './state.ts';

function* decodePart(st: RunState, option: string, tainted: boolean): Step<Rc | undefined> {
  const part = st.actx.mimePart;
  if (!part?.decode) return undefined;
  const decode = part.decode.bind(part);
  return yield* waitFor(st, `mime-decode\0${option}\0${Math.random()}`, () => decode(option, tainted));
}

/** decode = ...: a tainted value may not name the file (the scanner defers, as Exim). */
export function* decodeCondition(st: RunState, option: string, tainted: boolean): Step<Rc> {
  // outside a MIME scan there is no part to decode: Exim's decode fails
  return (yield* decodePart(st, option, tainted)) ?? 'FAIL';
}

export function* mimeRegexStep(st: RunState, list: string): Step<Rc> {
  const part = st.actx.mimePart;
  if (part?.decode && part.decoded === undefined) {
    const rc = yield* decodePart(st, '', false);
    if (rc !== 'OK' || part.decoded === undefined) {
      writeLog(st, ['main'], 'mime_regex acl condition warning - could not decode MIME part to file');
      return 'DEFER';
    }
  }
  return mimeRegexCondition(st, list);
}
