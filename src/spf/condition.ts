// The ACL conditions `spf = <list>` and `spf_guess = <list>` (spec section
// "SPF (Sender Policy Framework)"). The client ($sender_host_address, or
// 0.0.0.0 for a local message, and $sender_helo_name) is checked for
// $sender_address; the outcome sets the
// $spf_* variables and is matched against the list: each item is a result
// name, "*" for any, and a leading "!" inverts the item; the first item that
// holds makes the condition true. spf_guess falls back to the spf_guess
// option's record when the domain publishes none. Outcomes are kept for the
// message, so a second condition (and DMARC) reuses the first check.

import { splitList } from '../lists/index.ts';
import { primaryHostname } from '../expand/variables.ts';
import { getVar, setVar, trace, waitFor, expand, type Rc, type RunState, type Step } from '../acl/state.ts';
import type { AclConnectionState, AclMessageState } from '../acl/types.ts';
import { setAuthResultsPart } from '../dmarc/auth-results.ts';
import { checkSpf, type SpfOutcome, type SpfQuery } from './check.ts';

const DEFAULT_GUESS = 'v=spf1 a/24 mx/24 ptr ?all';
const DEFAULT_TEMPLATE = 'Please%_see%_http://www.open-spf.org/Why';

interface MessageSpf {
  byQuery: Map<string, SpfOutcome>;
  /** The outcome of the latest check, which DMARC uses as "the" SPF result. */
  last?: SpfOutcome;
}

const perMessage = new WeakMap<AclMessageState, MessageSpf>();
const notSpfTraced = new WeakMap<AclConnectionState, Set<string>>();

/** The latest SPF outcome of this message (undefined when no spf condition has run). */
export function messageSpfOutcome(msg: AclMessageState): SpfOutcome | undefined {
  return perMessage.get(msg)?.last;
}

/** Does the list accept this result? (Exim: the first item whose truth differs from its "!" wins.) */
export function spfListMatches(result: string, list: string): boolean {
  for (const raw of splitList(list)) {
    const negate = raw.startsWith('!');
    const item = negate ? raw.slice(1) : raw;
    // $spf_result says "(invalid)" where the list keyword is "invalid"
    const matches = item === '*' || item === result || (item === 'invalid' && result === '(invalid)');
    if (negate !== matches) return true;
  }
  return false;
}

function optionText(st: RunState, name: string, dflt: string): string {
  const v = st.actx.config.getOption(name);
  return v.kind === 'string' ? v.value : dflt;
}

function setSpfVariables(st: RunState, o: SpfOutcome): void {
  // the texts quote the sender and HELO name, which came from the client
  setVar(st, 'spf_result', o.result);
  setVar(st, 'spf_header_comment', o.headerComment, true);
  setVar(st, 'spf_received', o.received, true);
  setVar(st, 'spf_smtp_comment', o.smtpComment, true);
  setVar(st, 'spf_result_guessed', o.guessed ? 'yes' : 'no');
  const senderDomain = getVar(st, 'sender_address_domain') ?? '';
  const helo = getVar(st, 'sender_helo_name') ?? '';
  const identity = senderDomain ? `smtp.mailfrom=${senderDomain}` : helo ? `smtp.helo=${helo}` : 'smtp.mailfrom=<>';
  setAuthResultsPart(st.actx.expand, 'spf', `spf=${o.result}${o.guessed ? ' (best guess record for domain)' : ''} ${identity}`);
}

export function* spfCondition(st: RunState, list: string, guess: boolean): Step<Rc> {
  // a local message has no client address: Exim's libspf2 request then checks 0.0.0.0
  const ip = getVar(st, 'sender_host_address') || '0.0.0.0';
  let template = optionText(st, 'spf_smtp_comment_template', DEFAULT_TEMPLATE);
  if (template.includes('$') || template.includes('\\')) template = (yield* expand(st, template)).value;
  const q: SpfQuery = {
    ip,
    helo: getVar(st, 'sender_helo_name') ?? '',
    sender: getVar(st, 'sender_address') ?? '',
    receiver: primaryHostname(st.actx.expand),
    commentTemplate: template,
    guessRecord: guess ? optionText(st, 'spf_guess', DEFAULT_GUESS) : undefined,
    onNotSpf: (text) => {
      // Exim traces each such record when its DNS lookup is made, once per connection (its DNS cache)
      const seen = notSpfTraced.get(st.actx.conn) ?? new Set<string>();
      notSpfTraced.set(st.actx.conn, seen);
      if (seen.has(text)) return;
      seen.add(text);
      trace(st, `not an spf record: ${text}`);
    },
  };
  let mine = perMessage.get(st.actx.msg);
  if (!mine) perMessage.set(st.actx.msg, (mine = { byQuery: new Map() }));
  const key = ['spf', guess ? 'guess' : 'plain', q.ip, q.helo, q.sender, q.commentTemplate, q.guessRecord ?? ''].join('\0');
  let outcome = mine.byQuery.get(key);
  if (!outcome) {
    outcome = yield* waitFor(st, key, () => checkSpf(q));
    mine.byQuery.set(key, outcome);
  }
  mine.last = outcome;
  setSpfVariables(st, outcome);
  return spfListMatches(outcome.result, list) ? 'OK' : 'FAIL';
}
