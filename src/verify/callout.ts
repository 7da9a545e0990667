// Callout verification (spec sections "Callout verification", "Additional
// parameters for callouts" and "Callout caching"): after routing found
// remote hosts for an address, ask them over SMTP whether they would take
// it, consulting and updating the callout cache.
//
// One callout, in order:
//  1. the cache: a domain record that says the domain refuses connections
//     or MAIL FROM:<> (or postmaster) fails at once; one that says it takes
//     random local parts succeeds at once; an unexpired address record
//     answers for the address;
//  2. the hosts in turn (each connection limited by `connect`, each reply
//     by the timeout, the whole by `maxwait`): greeting, EHLO/HELO,
//     opportunistic STARTTLS, then on the same connection the random check
//     (when asked and not yet known), the address itself, and the
//     postmaster check (when asked and not yet known), RSET between them;
//  3. a 2xx to RCPT verifies, a 5xx (or a refusal up to MAIL) fails, and
//     anything else tries the next host; when no host gave an answer the
//     callout defers;
//  4. what was learnt goes back into the cache (not after a defer).
//
// In -bh host checking the callout is skipped (as the spec says: -bhc makes it).
//
// Not done (yet): `hold` (keeping the connection for cutthrough delivery) is
// accepted and treated as not given; `pipeline` is accepted and ignored;
// AUTH, DANE, OCSP and PIPE_CONNECT are not used by callouts. A host-list
// item's own port (manualroute "host::port") overrides the transport's port.
// Where Exim 4.98 and the spec differ on a greeting refused with 5xx (Exim
// leaves $recipient_verify_failure empty and writes no domain record), this
// follows the spec: "mail", and a negative domain record.

import type { VerifyAddressOptions, VerifyAddressResult } from '../acl/types.ts';
import type { Config } from '../config/types.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandStringAsync } from '../expand/index.ts';
import { byteStringToText, textToByteString } from '../expand/operators/bytes.ts';
import { CalloutCache, emptyDomainRecord, RESULT_NUMBER, type CalloutExpiry, type DomainRecord } from '../hints/callout.ts';
import type { RouteOutcome } from '../routers/index.ts';
import { ClientError, replyText, SmtpConnection, type SmtpReply } from '../smtp/client/connection.ts';
import { DialogueError, SmtpDialogue } from '../smtp/client/dialogue.ts';
import { calloutTarget, CalloutSetupError, hostInTransportList, type CalloutHost, type CalloutTarget } from './callout-target.ts';

export type CalloutOptions = NonNullable<VerifyAddressOptions['callout']>;

export interface CalloutRequest {
  /** The address as routed (local_part@domain). */
  address: string;
  kind: 'sender' | 'recipient' | 'header_sender';
  options: CalloutOptions;
  /** The routing leaf that accepted the address (its hosts and transport). */
  outcome: RouteOutcome;
  config: Config;
  /** The caller's expansion context ($sender_address, $primary_hostname...). */
  ctx: ExpandContext;
  trace?(line: string): void;
  /** -bh: say what would happen, and succeed without calling. */
  omit?: boolean;
}

export interface CalloutResult extends VerifyAddressResult {
  /** $callout_address: "[ip]:port" of the last host connected to. */
  calloutAddress?: string;
}

const DEFAULT_TIMEOUT = 30;

/** Exim's texts for verdicts taken from the cache. */
const CACHED_ADDRESS_FAILURE = 'Previous (cached) callout verification failure';
const CACHED_DOMAIN_FAILURE = '(result of an earlier callout reused).';
const CACHED_POSTMASTER_FAILURE = '(result of earlier verification reused).';

function expiryFromConfig(config: Config): CalloutExpiry {
  const secs = (name: string, dflt: number): number => {
    const v = config.getOption(name);
    return v.kind === 'number' ? v.value : dflt;
  };
  return {
    positive: secs('callout_positive_expire', 24 * 3600),
    negative: secs('callout_negative_expire', 2 * 3600),
    domainPositive: secs('callout_domain_positive_expire', 7 * 24 * 3600),
    domainNegative: secs('callout_domain_negative_expire', 3 * 3600),
  };
}

/** Split an address at its last "@". */
function splitAt(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  return at < 0 ? { localPart: address, domain: '' } : { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The MAIL FROM address of the main check. */
function mailFromFor(req: CalloutRequest): string {
  const co = req.options;
  if (req.kind === 'recipient') {
    if (co.use_sender) return req.ctx.vars.get('sender_address')?.value ?? '';
    if (co.use_postmaster) {
      const q = req.ctx.vars.get('qualify_domain')?.value ?? optionString(req.config, 'qualify_domain') ?? '';
      return `postmaster@${q || optionString(req.config, 'primary_hostname')}`;
    }
  }
  // mailfrom= is accepted only for header_sender, whose addresses are verified as senders.
  if (co.mailfrom !== undefined) return co.mailfrom;
  return '';
}

/** What the hosts told us, before it is turned into a verification result. */
type Verdict =
  | { rc: 'ok'; random?: boolean }
  | {
    rc: 'fail'; failure: 'mail' | 'recipient' | 'postmaster'; sent: string; reply: SmtpReply; host: CalloutHost;
    /** Refused at connection, HELO or MAIL FROM:<>: the domain will not take bounces. */
    setup?: boolean;
    /** A refused MAIL: Exim logs it as 'response to "MAIL FROM:<...>" was: ...'. */
    mailRefused?: boolean;
  }
  | { rc: 'defer'; message: string };

/** State of one callout while hosts are being tried. */
interface Attempt {
  req: CalloutRequest;
  target: CalloutTarget;
  from: string;
  /** The postmaster check's MAIL FROM, when that check is to be made. */
  pmFrom?: string;
  randomLocalPart?: string;
  domain: DomainRecord;
  /** An address record is to be written: the RCPT's verdict. */
  addressResult?: 'accept' | 'reject';
  /** The domain record learnt something worth writing. */
  domainLearnt: boolean;
  calloutAddress?: string;
  trace(line: string): void;
}

/** Run the callout for a routed address. */
export async function runCallout(req: CalloutRequest): Promise<CalloutResult> {
  const trace = (line: string): void => req.trace?.(line);
  // The hosts are found first (the transport's are looked up here), even when -bh will not call them.
  let target: CalloutTarget | undefined;
  try {
    target = await calloutTarget(req.config, req.outcome, req.ctx, trace);
  } catch (e) {
    if (e instanceof CalloutSetupError) return deferResult(req, e.message);
    throw e;
  }
  if (!target) return { result: 'ok' };
  trace('Attempting full verification using callout');
  if (req.omit) {
    trace('... callout omitted by default when host testing');
    trace('(Use -bhc if you want the callouts to happen.)');
    return { result: 'ok' };
  }
  const co = req.options;
  const { localPart, domain } = splitAt(req.address);
  const from = mailFromFor(req);
  const pmFrom = co.postmaster_mailfrom ?? (co.postmaster || co.fullpostmaster ? '' : undefined);
  const cache = co.no_cache ? undefined : CalloutCache.open(optionString(req.config, 'spool_directory'), expiryFromConfig(req.config));
  // The address record is keyed by the sender too when a non-empty one is used.
  const addressKey = from === '' ? req.address : `${req.address}/<${from}>`;
  const now = cache?.stamp() ?? Date.now() / 1000;
  let domainRec = emptyDomainRecord(now);

  if (!cache) trace('callout cache: disabled by no_cache');
  else {
    const d = cache.getDomain(domain);
    trace(d ? `callout cache: found domain record for ${domain}` : `callout cache: no domain record found for ${domain}`);
    if (d) {
      domainRec = d;
      if (d.result === 'reject' || (from === '' && d.result === 'reject_mfnull')) {
        trace('callout cache: domain gave initial rejection, or does not accept HELO or MAIL FROM:<>');
        return cachedFailure(req, 'mail', CACHED_DOMAIN_FAILURE);
      }
      if (co.random && d.random === 'accept') {
        trace('callout cache: domain accepts random addresses');
        return { result: 'ok', failure: 'random', callout: 'ok' };
      }
      if (co.random && d.random === 'reject') trace('callout cache: domain rejects random addresses');
      if (pmFrom !== undefined && d.postmaster === 'reject') {
        trace('callout cache: domain does not accept RCPT TO:<postmaster@domain>');
        return cachedFailure(req, 'postmaster', CACHED_POSTMASTER_FAILURE);
      }
      if (pmFrom !== undefined && d.postmaster === 'accept') trace('callout cache: domain accepts RCPT TO:<postmaster@domain>');
    }
    const a = cache.getAddress(addressKey);
    trace(a ? `callout cache: found address record for ${addressKey}` : `callout cache: no address record found for ${addressKey}`);
    if (a) {
      trace(`callout cache: address record is ${a.result === 'accept' ? 'positive' : 'negative'}`);
      if (a.result === 'accept') return okResult(req, localPart, domain);
      return cachedFailure(req, 'recipient', CACHED_ADDRESS_FAILURE);
    }
  }

  // use_tptsender: the transport's return_path stands in for the sender (the cache key keeps the sender).
  const sendFrom = co.use_tptsender && target.returnPath !== undefined ? target.returnPath : from;
  const attempt: Attempt = {
    req, target, from: sendFrom, domain: domainRec, domainLearnt: false, trace,
    pmFrom: pmFrom !== undefined && domainRec.postmaster === 'unknown' ? pmFrom : undefined,
    randomLocalPart: co.random && domainRec.random === 'unknown' ? await randomLocalPart(req) : undefined,
  };
  const verdict = await tryHosts(attempt);

  if (cache && verdict.rc !== 'defer') writeCache(cache, attempt, domain, addressKey);
  else if (cache && attempt.domainLearnt) writeCache(cache, { ...attempt, addressResult: undefined }, domain, addressKey);
  const calloutAddress = attempt.calloutAddress;
  switch (verdict.rc) {
    case 'ok':
      if (verdict.random) return { result: 'ok', failure: 'random', callout: 'ok', calloutAddress };
      return { ...okResult(req, localPart, domain), calloutAddress };
    case 'fail': {
      // The dialogue is in byte strings (as on the wire); messages are text.
      const response = byteStringToText(replyText(verdict.reply));
      const sent = byteStringToText(verdict.sent);
      const hostText = `${verdict.host.name} [${verdict.host.address}]`;
      const message = verdict.mailRefused
        ? `${hostText} : response to "${sent}" was: ${response}`
        : `${hostText} : SMTP error from remote mail server after ${sent}: ${response}`;
      const userMessage = req.kind === 'recipient'
        ? `Callout verification failed:\n${response}`
        : `Called:   ${verdict.host.address}\nSent:     ${sent}\nResponse: ${response}`;
      const senderFailureKind = verdict.failure === 'postmaster' ? 'postmaster' : verdict.setup ? 'setup' : undefined;
      return { result: 'fail', failure: verdict.failure, message, userMessage, callout: 'fail', calloutAddress, senderFailureKind };
    }
    case 'defer':
      return deferResult(req, byteStringToText(verdict.message), calloutAddress);
  }
}

function deferResult(req: CalloutRequest, why: string, calloutAddress?: string): CalloutResult {
  const userMessage = `Could not complete ${req.kind === 'recipient' ? 'recipient' : 'sender'} verify callout`;
  return { result: 'defer', message: `${userMessage}: ${why}`, userMessage, callout: 'defer', calloutAddress };
}

function okResult(req: CalloutRequest, localPart: string, domain: string): CalloutResult {
  // A recipient that a host accepted gives untainted $domain_data and $local_part_data.
  return req.kind === 'recipient' ? { result: 'ok', callout: 'ok', domainData: domain, localPartData: localPart } : { result: 'ok', callout: 'ok' };
}

function cachedFailure(req: CalloutRequest, failure: string, text: string): CalloutResult {
  const senderFailureKind = failure === 'postmaster' ? 'postmaster' : failure === 'mail' ? 'setup' : undefined;
  return { result: 'fail', failure, message: text, userMessage: text, callout: 'fail', cached: true, senderFailureKind };
}

async function randomLocalPart(req: CalloutRequest): Promise<string> {
  const text = optionString(req.config, 'callout_random_local_part') || '$primary_hostname-$tod_epoch-testing';
  return expandStringAsync(text, req.ctx);
}

function writeCache(cache: CalloutCache, at: Attempt, domain: string, addressKey: string): void {
  cache.putDomain(domain, at.domain);
  at.trace(`wrote callout cache domain record for ${domain}:`);
  at.trace(`  result=${RESULT_NUMBER[at.domain.result]} postmaster=${RESULT_NUMBER[at.domain.postmaster]} random=${RESULT_NUMBER[at.domain.random]}`);
  if (at.addressResult) {
    cache.putAddress(addressKey, at.addressResult);
    at.trace(`wrote ${at.addressResult === 'accept' ? 'positive' : 'negative'} callout cache address record for ${addressKey}`);
  }
}

/** Try each host until one gives an answer (or maxwait has passed). */
async function tryHosts(at: Attempt): Promise<Verdict> {
  const co = at.req.options;
  const timeout = (co.timeout ?? DEFAULT_TIMEOUT) * 1000;
  const connectTimeout = (co.connect ?? co.timeout ?? DEFAULT_TIMEOUT) * 1000;
  const maxwait = (co.maxwait ?? 4 * (co.timeout ?? DEFAULT_TIMEOUT)) * 1000;
  const started = Date.now();
  let last: Verdict = { rc: 'defer', message: 'no hosts to call' };
  for (const [i, host] of at.target.hosts.entries()) {
    if (i > 0 && Date.now() - started > maxwait) {
      at.trace('callout maxwait exceeded');
      break;
    }
    let avoidTls = await hostInTransportList(at.target, 'hosts_avoid_tls', host) || await hostInTransportList(at.target, 'hosts_verify_avoid_tls', host);
    const requireTls = await hostInTransportList(at.target, 'hosts_require_tls', host);
    // A failed TLS handshake is retried in clear once (tls_tempfail_tryclear), unless TLS is required.
    for (let round = 0; round < 2; round++) {
      const v = await oneHost(at, host, { timeout, connectTimeout, tls: avoidTls ? 'avoid' : requireTls ? 'require' : 'try' });
      if (v === 'retry-clear' && !requireTls && !avoidTls) {
        avoidTls = true;
        continue;
      }
      last = v === 'retry-clear' ? { rc: 'defer', message: `${host.name} [${host.address}] : TLS session failed` } : v;
      break;
    }
    if (last.rc !== 'defer') return last;
  }
  return last;
}

interface HostLimits {
  timeout: number;
  connectTimeout: number;
  tls: 'try' | 'avoid' | 'require';
}

/** One host: connect, greet, and run the checks on one connection. */
async function oneHost(at: Attempt, host: CalloutHost, lim: HostLimits): Promise<Verdict | 'retry-clear'> {
  const t = at.target;
  const hostText = `${host.name} [${host.address}]`;
  const port = host.port ?? t.port;
  at.trace(`interface=${t.localAddress ?? 'NULL'} port=${port}`);
  at.trace(`Connecting to ${hostText}:${port} ...`);
  let conn: SmtpConnection;
  try {
    conn = await SmtpConnection.connect({ address: host.address, port, timeoutMs: lim.connectTimeout, localAddress: t.localAddress, trace: at.trace });
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    at.trace(`failed: ${e.message}`);
    return { rc: 'defer', message: `${hostText} : ${e.message}` };
  }
  at.trace('connected');
  at.calloutAddress = `[${host.address}]:${port}`;
  const d = new SmtpDialogue(conn, lim.timeout);
  try {
    try {
      await d.open({ heloName: textToByteString(t.heloName), timeoutMs: lim.timeout, lmtp: t.lmtp, tls: lim.tls, tlsServername: host.name, tlsOnConnect: t.tlsOnConnect });
    } catch (e) {
      if (!(e instanceof DialogueError)) throw e;
      if (e.after === 'STARTTLS' && !e.reply && lim.tls === 'try' && !t.tlsOnConnect) return 'retry-clear';
      if (e.permanent) {
        // Refused at connection or HELO: no callout to this domain can succeed.
        at.domain.result = 'reject';
        at.domainLearnt = true;
        return { rc: 'fail', failure: 'mail', sent: e.after, reply: e.reply!, host, setup: true };
      }
      return { rc: 'defer', message: `${hostText} : ${e.message}` };
    }
    // Greeting and HELO went through: callouts to this domain can be made.
    if (at.domain.result === 'unknown' || at.domain.result === 'reject') at.domain.result = 'accept';
    at.domain.resultStamp = Date.now() / 1000;
    at.domainLearnt = true;
    return await checks(at, d, host);
  } catch (e) {
    if (e instanceof DialogueError) return { rc: 'defer', message: `${hostText} : ${e.message}` };
    throw e;
  } finally {
    await d.quit();
  }
}

/** MAIL then RCPT (pipelined when offered): the RCPT's reply, or a verdict when MAIL was refused. */
async function transaction(at: Attempt, d: SmtpDialogue, host: CalloutHost, from: string, rcpt: string): Promise<SmtpReply | Verdict> {
  const mail = `MAIL FROM:<${textToByteString(from)}>`;
  const rcptCmd = `RCPT TO:<${textToByteString(rcpt)}>`;
  let mailReply: SmtpReply;
  let rcptReply: SmtpReply | undefined;
  if (d.features.pipelining) [mailReply, rcptReply] = await d.commands([mail, rcptCmd]);
  else mailReply = await d.command(mail);
  if (mailReply.code < 200 || mailReply.code > 299) {
    if (mailReply.code < 500) return { rc: 'defer', message: `${host.name} [${host.address}] : ${new DialogueError(mail, mailReply).message}` };
    // Refusing MAIL FROM:<> is a fact about the domain; refusing a real sender is not.
    if (from === '') at.domain.result = 'reject_mfnull';
    return { rc: 'fail', failure: 'mail', sent: mail, reply: mailReply, host, setup: from === '', mailRefused: true };
  }
  if (from === '') at.domain.result = 'accept';
  return rcptReply ?? d.command(rcptCmd);
}

function isVerdict(x: SmtpReply | Verdict): x is Verdict {
  return 'rc' in x;
}

async function rset(d: SmtpDialogue): Promise<void> {
  await d.expectOk('RSET');
}

/** The random, address and postmaster checks on an open dialogue. */
async function checks(at: Attempt, d: SmtpDialogue, host: CalloutHost): Promise<Verdict> {
  const { domain } = splitAt(at.req.address);
  const now = (): number => Date.now() / 1000;
  if (at.randomLocalPart !== undefined) {
    const r = await transaction(at, d, host, at.from, `${at.randomLocalPart}@${domain}`);
    if (isVerdict(r)) return r;
    if (r.code >= 200 && r.code <= 299) {
      at.domain.random = 'accept';
      at.domain.randomStamp = now();
      return { rc: 'ok', random: true };
    }
    if (r.code >= 500) {
      at.domain.random = 'reject';
      at.domain.randomStamp = now();
    }
    await rset(d);
  }
  const sent = `RCPT TO:<${textToByteString(at.req.address)}>`;
  const r = await transaction(at, d, host, at.from, at.req.address);
  if (isVerdict(r)) return r;
  if (r.code >= 500) {
    at.addressResult = 'reject';
    return { rc: 'fail', failure: 'recipient', sent, reply: r, host };
  }
  if (r.code < 200 || r.code > 299) return { rc: 'defer', message: `${host.name} [${host.address}] : ${new DialogueError(sent, r).message}` };
  at.addressResult = 'accept';
  if (at.pmFrom === undefined) return { rc: 'ok' };

  await rset(d);
  const pmSent = `RCPT TO:<postmaster@${textToByteString(domain)}>`;
  const pm = await transaction(at, d, host, at.pmFrom, `postmaster@${domain}`);
  if (isVerdict(pm)) return pm.rc === 'fail' ? { ...pm, failure: 'postmaster' } : pm;
  let pmReply = pm;
  let pmCmd = pmSent;
  if (pm.code >= 500 && at.req.options.fullpostmaster) {
    // RFC 2821 says the bare "postmaster" must be accepted.
    pmCmd = 'RCPT TO:<postmaster>';
    pmReply = await d.command(pmCmd);
  }
  if (pmReply.code >= 200 && pmReply.code <= 299) {
    at.domain.postmaster = 'accept';
    at.domain.postmasterStamp = now();
    return { rc: 'ok' };
  }
  if (pmReply.code >= 500) {
    at.domain.postmaster = 'reject';
    at.domain.postmasterStamp = now();
    return { rc: 'fail', failure: 'postmaster', sent: pmCmd, reply: pmReply, host };
  }
  return { rc: 'defer', message: `${host.name} [${host.address}] : ${new DialogueError(pmCmd, pmReply).message}` };
}
