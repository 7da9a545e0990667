// One SPF check (RFC 7208 check_host) of a client for a sender, done by
// mailauth over tern's resolver, with the texts Exim's variables carry
// ($spf_header_comment, $spf_received, $spf_smtp_comment), worded as
// libspf2 words them. The "best guess" check runs the spf_guess record in
// place of the domain's own when the domain publishes none.

import { expandSpfTemplate } from './comment-template.ts';
import { mailauthResolver, type MailauthResolver } from './mailauth-resolver.ts';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'none' | 'neutral' | 'permerror' | 'temperror' | '(invalid)';

export interface SpfQuery {
  ip: string;
  helo: string;
  /** The envelope sender; empty for a bounce (the HELO name is checked as postmaster@helo). */
  sender: string;
  /** The receiving host's name ($primary_hostname), used in the comments. */
  receiver: string;
  /** spf_smtp_comment_template, already expanded by Exim's expander. */
  commentTemplate: string;
  /** spf_guess's record: check with it when the domain has no SPF record. */
  guessRecord?: string;
  resolver?: MailauthResolver;
  /** Told of each TXT record that is not an SPF record (Exim's lookup drops them, and traces them). */
  onNotSpf?: (text: string) => void;
  /** Seconds since the epoch (for the %{t} macro). */
  now?: number;
}

export interface SpfOutcome {
  result: SpfResult;
  headerComment: string;
  received: string;
  smtpComment: string;
  /** The best-guess record was needed for this result. */
  guessed: boolean;
  /** The domain whose policy was checked. */
  domain: string;
}

const RESULTS: ReadonlySet<string> = new Set(['pass', 'fail', 'softfail', 'none', 'neutral', 'permerror', 'temperror']);
const MAX_ELAPSED_MS = 20_000;

/** The identity checked: the sender, or postmaster@ the HELO name for a bounce (RFC 7208 section 2.4). */
function identityOf(q: SpfQuery): string {
  if (q.sender) return q.sender.includes('@') ? q.sender : `postmaster@${q.sender}`;
  return `postmaster@${q.helo}`;
}

/**
 * A resolver that answers the first TXT query for the checked domain with the
 * best-guess record: mailauth then evaluates that record as the domain's own.
 */
function guessingResolver(base: MailauthResolver, domain: string, record: string): MailauthResolver {
  let served = false;
  return async (name, rrtype) => {
    if (!served && rrtype.toUpperCase() === 'TXT' && name.toLowerCase().replace(/\.$/, '') === domain) {
      served = true;
      return [[record]];
    }
    return base(name, rrtype);
  };
}

/**
 * How libspf2 ends up after evaluation errors, as Exim 4.98 shows them: a record
 * it cannot compile (syntax) and a DNS failure leave no result at all,
 * "(invalid)" with empty texts; lookup limits and duplicate records are a
 * permerror with libspf2's words for them.
 */
function libspf2Outcome(result: SpfResult, errorText: string): { result: SpfResult; problem: string } {
  if (result === 'temperror') return { result: '(invalid)', problem: '' };
  if (result !== 'permerror') return { result, problem: '' };
  if (/^Too many (DNS requests|void DNS results)/.test(errorText)) return { result, problem: 'Mechanisms used too many DNS lookups' };
  if (/^multiple SPF records/.test(errorText)) return { result, problem: 'Multiple SPF or TXT records for domain.' };
  return { result: '(invalid)', problem: '' };
}

/** libspf2's header comment; "domain of" names the checked domain. */
/**
 * Exim's DNS layer for libspf2 hands over only TXT records that start with
 * "v=spf1": the others (an exp= explanation among them) are as good as absent.
 */
function spfOnlyResolver(base: MailauthResolver, onNotSpf?: (text: string) => void): MailauthResolver {
  return async (name, rrtype) => {
    const answer = await base(name, rrtype);
    if (rrtype.toUpperCase() !== 'TXT') return answer;
    const kept: string[][] = [];
    for (const record of answer as string[][]) {
      const text = record.join('');
      if (/^v=spf1(\s|$)/i.test(text)) kept.push(record);
      else onNotSpf?.(text);
    }
    if (kept.length === 0) throw Object.assign(new Error(`no SPF record at ${name}`), { code: 'ENODATA' });
    return kept;
  };
}

function headerComment(result: SpfResult, q: SpfQuery, domain: string, problem: string): string {
  const r = q.receiver;
  switch (result) {
    case 'pass': return `${r}: domain of ${domain} designates ${q.ip} as permitted sender`;
    case 'fail': return `${r}: domain of ${domain} does not designate ${q.ip} as permitted sender`;
    case 'softfail': return `${r}: transitioning domain of ${domain} does not designate ${q.ip} as permitted sender`;
    case 'neutral': return `${r}: ${q.ip} is neither permitted nor denied by domain of ${domain}`;
    case 'none': return `${r}: domain of ${domain} does not provide an SPF record`;
    case 'permerror': return `${r}: error in processing during lookup of domain of ${domain}: ${problem}`;
    default: return '';
  }
}

/** The SMTP comment: the template (not a record's exp=, which Exim's setup does not use) for the failing results. */
function smtpComment(result: SpfResult, q: SpfQuery, identity: string): string {
  if (result !== 'fail' && result !== 'softfail' && result !== 'neutral') return '';
  const text = expandSpfTemplate(q.commentTemplate, {
    sender: identity, ip: q.ip, helo: q.helo, receiver: q.receiver, now: q.now ?? Math.floor(Date.now() / 1000),
  });
  // libspf2 names the reason: here always a mechanism (or the record's "all") decided
  return `${text} : Reason: mechanism`;
}

async function runOnce(q: SpfQuery, resolver: MailauthResolver): Promise<{ result: SpfResult; errorText: string; domain: string }> {
  // mailauth takes a noticeable time to load: only processes that check SPF pay for it
  const { spf } = await import('mailauth/lib/spf/index.js');
  let res: Awaited<ReturnType<typeof spf>>;
  try {
    res = await spf({
      sender: q.sender || undefined, ip: q.ip, helo: q.helo, mta: q.receiver, resolver: resolver as never, maxElapsedTime: MAX_ELAPSED_MS,
    });
  } catch (e) {
    // whatever went wrong inside the evaluation leaves no result, as a libspf2 error does
    return { result: '(invalid)', errorText: e instanceof Error ? e.message : String(e), domain: '' };
  }
  const raw = res.status.result;
  const result: SpfResult = RESULTS.has(raw) ? (raw as SpfResult) : '(invalid)';
  // mailauth's comment for errors ends with the problem itself ("...: Too many DNS requests")
  const comment = res.status.comment ?? '';
  const colon = comment.lastIndexOf(': ');
  const errorText = (result === 'permerror' || result === 'temperror') && colon >= 0 ? comment.slice(colon + 2) : '';
  return { result, errorText, domain: res.domain };
}

export async function checkSpf(q: SpfQuery): Promise<SpfOutcome> {
  const base = spfOnlyResolver(q.resolver ?? mailauthResolver, q.onNotSpf);
  const identity = identityOf(q);
  let got = await runOnce(q, base);
  let guessed = false;
  if (got.result === 'none' && q.guessRecord) {
    got = await runOnce(q, guessingResolver(base, got.domain, q.guessRecord));
    guessed = true;
  }
  const { result, problem } = libspf2Outcome(got.result, got.errorText);
  if (result === '(invalid)') return { result, headerComment: '', received: '', smtpComment: '', guessed, domain: got.domain };
  const comment = headerComment(result, q, got.domain, problem);
  const pairs = [`client-ip=${q.ip};`, `envelope-from=${identity};`, ...(q.helo ? [`helo=${q.helo};`] : [])];
  return {
    result,
    headerComment: comment,
    received: `Received-SPF: ${result} (${comment}) ${pairs.join(' ')}`,
    smtpComment: smtpComment(result, q, identity),
    guessed,
    domain: got.domain,
  };
}
