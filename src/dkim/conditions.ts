// The ACL conditions of DKIM verification (spec section "Verifying DKIM
// signatures in incoming mail"):
//   dkim_signers = <domain list>   does $dkim_cur_signer match? (DKIM ACL only)
//   dkim_status = <string list>    does any item of $dkim_verify_status (or
//                                  "none" when it is empty) match?

import { atTraceLevel, matchDomainList, splitList } from '../lists/index.ts';
import { attempt, getVar, type Rc, type RunState, type Step } from '../acl/state.ts';

function* listResult(st: RunState, subject: string, list: string): Step<Rc> {
  const m = yield* attempt(st, () => atTraceLevel(st.actx.expand, st.level, () => matchDomainList(subject, list, st.actx.expand)));
  if (m.result === 'defer') {
    st.logMsg = m.message;
    return 'DEFER';
  }
  return m.result === 'ok' ? 'OK' : 'FAIL';
}

export function* dkimSignersCondition(st: RunState, list: string): Step<Rc> {
  return yield* listResult(st, getVar(st, 'dkim_cur_signer') ?? '', list);
}

export function* dkimStatusCondition(st: RunState, list: string): Step<Rc> {
  const status = getVar(st, 'dkim_verify_status') || 'none';
  let rc: Rc = 'FAIL';
  for (const item of splitList(status)) {
    rc = yield* listResult(st, item, list);
    if (rc === 'OK') break;
  }
  return rc;
}
