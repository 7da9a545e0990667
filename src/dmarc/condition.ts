// The ACL condition `dmarc_status = <list>` (DATA ACL; spec section "DMARC").
// Its first use in a message runs the DMARC check, as Exim's does: DMARC is
// on only when dmarc_tld_file expands to something, it is skipped for
// messages from authenticated clients or without a From: header, and it uses
// the SPF result of an earlier spf condition (none when there was none) and
// the DKIM signatures verified at the end of DATA. The outcome sets the
// $dmarc_* variables; the list is matched against $dmarc_status as a plain
// string list. control = dmarc_disable_verify makes the status "off".
// control = dmarc_enable_forensic is recorded but no forensic reports are
// sent, and dmarc_history_file is not written.

import fs from 'node:fs';
import { ExpandError, ForcedFail } from '../expand/index.ts';
import { extractAddressList } from '../expand/operators/address.ts';
import { byteStringToText } from '../expand/operators/bytes.ts';
import { atTraceLevel, matchDomainList } from '../lists/index.ts';
import { attempt, expand, getVar, setVar, waitFor, type Rc, type RunState, type Step } from '../acl/state.ts';
import { logPanic, writeLog } from '../acl/logging.ts';
import type { AclMessageState } from '../acl/types.ts';
import { messageSpfOutcome } from '../spf/condition.ts';
import { messageDkim } from '../dkim/message-state.ts';
import { setAuthResultsPart } from './auth-results.ts';
import { evaluateDmarc, type DmarcOutcome } from './evaluate.ts';

/** Per message: the status the condition matches against, once the check has run. */
const checked = new WeakMap<AclMessageState, string>();

/** The $dmarc_* variables that a check sets. */
export const DMARC_VARIABLES = ['dmarc_status', 'dmarc_status_text', 'dmarc_used_domain', 'dmarc_domain_policy', 'dmarc_alignment_spf', 'dmarc_alignment_dkim'];

/** The domain of the first address of the first From: header (raw header lines); undefined without a From:. */
export function fromHeaderDomain(headers: readonly string[] | undefined): string | undefined {
  const from = headers?.find((h) => /^from[ \t]*:/i.test(h));
  if (from === undefined) return undefined;
  const first = extractAddressList(byteStringToText(from.slice(from.indexOf(':') + 1)))[0] ?? '';
  const at = first.lastIndexOf('@');
  return at < 0 ? '' : first.slice(at + 1).toLowerCase();
}

function* tldFileSet(st: RunState): Step<boolean> {
  const v = st.actx.config.getOption('dmarc_tld_file');
  if (v.kind !== 'string' || v.value === '') return false;
  let file: string;
  try {
    file = (yield* expand(st, v.value)).value;
  } catch (e) {
    if (!(e instanceof ExpandError) && !(e instanceof ForcedFail)) throw e;
    return false;
  }
  if (!file) return false;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    logPanic(st, 'DMARC: error reading public suffix file');
    return false;
  }
  return true;
}

function setDmarcVariables(st: RunState, o: DmarcOutcome): void {
  setVar(st, 'dmarc_status', o.status);
  setVar(st, 'dmarc_status_text', o.text);
  setVar(st, 'dmarc_used_domain', o.usedDomain, true);
  setVar(st, 'dmarc_domain_policy', o.domainPolicy, true);
  setVar(st, 'dmarc_alignment_spf', o.alignSpf ? 'yes' : 'no');
  setVar(st, 'dmarc_alignment_dkim', o.alignDkim ? 'yes' : 'no');
}

/** A message DMARC was not done for: Exim's status, and "skipped" for ${authresults}. */
function skipped(st: RunState, status: string, fromDomain?: string): string {
  setVar(st, 'dmarc_status', status);
  setAuthResultsPart(st.actx.expand, 'dmarc', `dmarc=skipped${fromDomain ? ` header.from=${fromDomain}` : ''}`);
  return status;
}

function* evaluate(st: RunState, fromDomain: string): Step<string> {
  const msg = st.actx.msg;
  const spf = messageSpfOutcome(msg);
  let spfDomain = spf?.domain ?? (getVar(st, 'sender_address_domain') || '');
  if (!spf && !spfDomain) {
    spfDomain = getVar(st, 'sender_helo_name') ?? '';
    writeLog(st, ['main'], `DMARC using synthesized SPF sender domain = ${spfDomain}`);
  }
  const dkimPassDomains = (messageDkim(msg)?.signatures ?? []).filter((s) => s.status === 'pass').map((s) => s.domain);
  const input = { fromDomain, spf: spf && { domain: spf.domain, result: spf.result }, dkimPassDomains };
  const key = `dmarc\0${fromDomain}\0${spf?.domain ?? ''}\0${spf?.result ?? ''}\0${dkimPassDomains.join(':')}`;
  const o = yield* waitFor(st, key, () => evaluateDmarc(input));
  setDmarcVariables(st, o);
  if (o.hasRecord) {
    const yn = (b: boolean): string => (b ? 'yes' : 'no');
    writeLog(st, ['main'], `DMARC results: spf_domain=${spfDomain} dmarc_domain=${o.usedDomain} spf_align=${yn(o.alignSpf)} dkim_align=${yn(o.alignDkim)} enforcement='${o.text}'`);
  }
  setAuthResultsPart(st.actx.expand, 'dmarc', `dmarc=${o.passFail}${fromDomain ? ` header.from=${fromDomain}` : ''}`);
  return o.status;
}

/** Run the check (once per message) and return the status to match. */
function* dmarcCheck(st: RunState): Step<string> {
  const msg = st.actx.msg;
  const done = checked.get(msg);
  if (done !== undefined) return done;
  let status: string;
  if (msg.controls.dmarcDisableVerify || st.actx.conn.controls.dmarcDisableVerify) status = skipped(st, 'off');
  else if (!(yield* tldFileSet(st))) status = skipped(st, 'none');
  else {
    const fromDomain = fromHeaderDomain(st.actx.headers);
    if (fromDomain === undefined || fromDomain === '') status = skipped(st, 'none');
    // Exim leaves DMARC to the ACLs for authenticated clients
    else if (getVar(st, 'sender_host_authenticated')) status = skipped(st, 'none', fromDomain);
    else status = yield* evaluate(st, fromDomain);
  }
  checked.set(msg, status);
  return status;
}

export function* dmarcStatusCondition(st: RunState, list: string): Step<Rc> {
  const status = yield* dmarcCheck(st);
  const m = yield* attempt(st, () => atTraceLevel(st.actx.expand, st.level, () => matchDomainList(status, list, st.actx.expand)));
  if (m.result === 'defer') {
    st.logMsg = m.message;
    return 'DEFER';
  }
  return m.result === 'ok' ? 'OK' : 'FAIL';
}
