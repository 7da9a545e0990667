// Address verification (ACL chapter, section "Address verification"; -bv):
// routing the address through the routers in verify mode. Routers with
// no_verify (or no_verify_sender / no_verify_recipient) are skipped,
// verify_only routers take part; a redirection to one address goes on to
// verify that address, one to several addresses (or any, with
// success_on_redirect) verifies at once. With the callout option, an
// address routed to remote hosts is then checked over SMTP (callout.ts).

import type { AclVerifyHooks, VerifyAddressOptions, VerifyAddressResult } from '../acl/types.ts';
import type { Config } from '../config/types.ts';
import type { ExpandContext } from '../expand/context.ts';
import { extractAddressList } from '../expand/operators/address.ts';
import { routeAddress, type RouteOutcome } from '../routers/index.ts';
import { AsyncMemo } from '../util/suspend.ts';
import { indentFor, listTracer, setListTracer, traceLeak } from '../lists/trace.ts';
import { runCallout } from './callout.ts';

export type VerifyKind = 'sender' | 'recipient' | 'header_sender';

export interface VerifyEnv {
  config: Config;
  /** The caller's expansion context: routing works on a copy of its variables. */
  ctx: ExpandContext;
  trace?(line: string): void;
  log?(line: string): void;
  /** -bh: callouts are skipped (with Exim's trace lines) and count as successful. */
  omitCallouts?: boolean;
}

export interface VerifyOutcome extends VerifyAddressResult {
  /** The routing leaves (for -bv's report). */
  outcomes: RouteOutcome[];
}

/** A context for one routing: the caller's variables copied, so routing's $local_part etc. do not leak back. */
function routingContext(ctx: ExpandContext): ExpandContext {
  const copy = { ...ctx, vars: new Map(ctx.vars), memo: new AsyncMemo() };
  // -bh: routing's list checks trace too, at the outermost level (as Exim's do)
  const tracer = listTracer(ctx);
  if (tracer) setListTracer(copy, { write: (line) => tracer.write(line), level: 0, shared: tracer.shared });
  return copy;
}

/** Verify one address by routing it. The empty address (a bounce's sender) always verifies. */
export async function verifyAddress(address: string, kind: VerifyKind, options: VerifyAddressOptions, env: VerifyEnv): Promise<VerifyOutcome> {
  if (kind === 'header_sender') return verifyHeaderSender(options, env);
  if (address === '') return { result: 'ok', outcomes: [] };
  const outcomes = await routeAddress({
    config: env.config,
    ctx: routingContext(env.ctx),
    verify: kind,
    trace: env.trace,
    log: env.log,
    stopAtRedirect: options.successOnRedirect ? 'always' : 'multiple',
    listCache: options.listCache,
  }, address);
  const judged = judge(outcomes);
  const remote = judged.result === 'ok' && options.callout ? calloutLeaf(outcomes, env.config) : undefined;
  if (!remote || !options.callout) return { ...judged, outcomes };
  const co = await runCallout({
    address: remote.address.address, kind, options: options.callout, outcome: remote,
    config: env.config, ctx: env.ctx, trace: env.trace, omit: env.omitCallouts,
  });
  return { ...co, addressData: judged.addressData, outcomes };
}

/** The leaf a callout is made for: routed to hosts, or to an smtp transport (which may name its own hosts). */
function calloutLeaf(outcomes: RouteOutcome[], config: Config): RouteOutcome | undefined {
  return outcomes.find((o) => o.result === 'accept' && o.redirected === undefined && o.fileOrPipe === undefined
    && ((o.hosts && o.hosts.length > 0) || config.transports.find((t) => t.name === o.transport)?.driver === 'smtp'));
}

/** The verification result of the routing leaves. */
export function judge(outcomes: RouteOutcome[]): VerifyAddressResult {
  const defer = outcomes.find((o) => o.result === 'defer');
  if (defer) return { result: 'defer', message: defer.message, logMessage: defer.logMessage, userMessage: defer.userMessage, failure: 'route' };
  const fail = outcomes.find((o) => o.result === 'fail');
  if (fail) return { result: 'fail', message: fail.message, failure: 'route' };
  const forced = outcomes.find((o) => o.failVerify);
  if (forced) return { result: 'fail', message: `${forced.router} router forced verify failure`, failure: 'route' };
  const first = outcomes[0];
  return { result: 'ok', addressData: first?.address.addressData };
}

const SENDER_HEADERS = /^(sender|reply-to|from)\s*:/i;

/** verify = header_sender: some address in Sender:, Reply-To: or From: must verify as a sender. */
async function verifyHeaderSender(options: VerifyAddressOptions, env: VerifyEnv): Promise<VerifyOutcome> {
  let last: VerifyOutcome | undefined;
  for (const h of options.headers ?? []) {
    if (!SENDER_HEADERS.test(h)) continue;
    for (const a of extractAddressList(h.slice(h.indexOf(':') + 1))) {
      const r = await verifyAddress(a, 'sender', { ...options, headers: undefined }, env);
      if (r.result === 'ok') return r;
      if (!last || r.result === 'defer') last = r;
    }
  }
  return last ?? { result: 'fail', message: 'there is no valid sender in any header line', outcomes: [] };
}

export interface HookSource extends VerifyEnv {
  /** Sender verification results are kept while this object lives (Exim's per-message cache). */
  cacheScope?: object;
}

const senderCache = new WeakMap<object, Map<string, Promise<VerifyAddressResult>>>();

/** The ACL engine's verify hook (AclContext.verify), bound to a session or submission. */
export function addressVerifyHooks(src: HookSource): AclVerifyHooks {
  return {
    address(address, kind, options) {
      const run = async (): Promise<VerifyAddressResult> => {
        // the null sender needs no routing (and Exim traces none)
        if (kind === 'sender' && address === '') return { result: 'ok' };
        src.trace?.('>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>');
        const { outcomes: _o, ...r } = await verifyAddress(address, kind, options, src);
        // (Exim indents this banner, not the opening one: it shows the indentation leak of lists/trace.ts)
        src.trace?.(`${indentFor(traceLeak(src.ctx))}----------- end verify ------------`);
        return r;
      };
      // A callout is made (or its cache consulted) at each check, as Exim does.
      if (kind !== 'sender' || !src.cacheScope || options.callout) return run();
      let cache = senderCache.get(src.cacheScope);
      if (!cache) senderCache.set(src.cacheScope, (cache = new Map()));
      const key = `${address}\0${options.successOnRedirect ? 1 : 0}`;
      let p = cache.get(key);
      // an indented line in Exim's trace (so it shows the indentation leak of lists/trace.ts)
      if (p) src.trace?.(`${indentFor(traceLeak(src.ctx))}using cached sender verify result`);
      else cache.set(key, (p = run()));
      return p;
    },
  };
}
