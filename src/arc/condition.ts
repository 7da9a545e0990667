// `verify = arc/<acceptable list>` (DATA ACL; experimental spec, "ARC
// support"). Its first use in a message verifies the ARC chain; the state
// (pass, fail or none) is then matched against the list, "none:pass" when
// none is given. The check sets $arc_state, $arc_state_reason, $arc_domains
// and $arc_oldest_pass, the "arc=" part of ${authresults}, and tags the
// message's "<=" line "ARC" when the chain passed.

import type { AclMessageState } from '../acl/types.ts';
import { getVar, setVar, waitFor, type Rc, type RunState, type Step } from '../acl/state.ts';
import { splitList } from '../lists/index.ts';
import { setAuthResultsPart } from '../dmarc/auth-results.ts';
import { verifyArc, type ArcOutcome } from './verify.ts';

/** The message as received, kept by the end-of-DATA code for the check. */
const received = new WeakMap<AclMessageState, Buffer>();
/** Per message: the outcome, once the check has run. */
const checked = new WeakMap<AclMessageState, ArcOutcome>();

export const ARC_VARIABLES = ['arc_state', 'arc_state_reason', 'arc_domains', 'arc_oldest_pass'];

export function rememberReceivedMessage(msg: AclMessageState, raw: Buffer): void {
  received.set(msg, raw);
}

/** The outcome of this message's ARC check, if one ran. */
export function messageArc(msg: AclMessageState): ArcOutcome | undefined {
  return checked.get(msg);
}

/** The "arc=" method of Authentication-Results (RFC 8617 section 4.2.1's properties). */
export function arcAuthResult(o: ArcOutcome, remoteIp: string | undefined): string {
  let s = `arc=${o.state}`;
  if (o.instance > 0) {
    s += ` (i=${o.instance})`;
    if (o.reason) s += `(${o.reason})`;
    s += ` header.s=${o.amsSelector} arc.oldest-pass=${o.oldestPass}`;
    if (remoteIp) s += ` smtp.remote-ip=${remoteIp}`;
  } else if (o.reason) {
    s += ` (${o.reason})`;
  }
  return s;
}

function raw(st: RunState): Buffer {
  const kept = received.get(st.actx.msg);
  if (kept) return kept;
  // not kept (e.g. -bh without the end-of-DATA step): rebuild from what the ACL sees
  const body = st.actx.body ?? '';
  return Buffer.concat([Buffer.from((st.actx.headers ?? []).join('') + '\n', 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

function* arcCheck(st: RunState): Step<ArcOutcome> {
  const msg = st.actx.msg;
  const done = checked.get(msg);
  if (done) return done;
  const message = raw(st);
  const o = yield* waitFor(st, `arc\0${message.length}`, () => verifyArc(message));
  checked.set(msg, o);
  setVar(st, 'arc_state', o.state, true);
  setVar(st, 'arc_state_reason', o.reason, true);
  setVar(st, 'arc_domains', o.domains, true);
  setVar(st, 'arc_oldest_pass', String(o.oldestPass));
  setAuthResultsPart(st.actx.expand, 'arc', arcAuthResult(o, getVar(st, 'sender_host_address') || undefined));
  return o;
}

export function* verifyArcCondition(st: RunState, list: string | undefined): Step<Rc> {
  const o = yield* arcCheck(st);
  const acceptable = splitList(list === undefined || list === '' ? 'none:pass' : list).map((x) => x.trim());
  return acceptable.includes(o.state) ? 'OK' : 'FAIL';
}
