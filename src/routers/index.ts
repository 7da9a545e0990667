// The routing loop (spec "How Exim receives and delivers mail", section on
// routing, and chapter "Generic options for routers"): each address is
// offered to the routers in order; preconditions decide whether a router
// runs; its driver accepts, declines, passes, fails, defers or redirects.
// Children of a redirection are routed in turn, from the first router (or
// redirect_router), skipping routers that would loop.

import { newListCache } from '../lists/walk.ts';
import type { DriverInstance } from '../config/types.ts';
import { ExpandError, ForcedFail } from '../expand/index.ts';
import { acceptRouter } from './accept.ts';
import { queryprogramRouter } from './queryprogram.ts';
import { iplookupRouter } from './iplookup.ts';
import { dnslookupRouter } from './dnslookup.ts';
import { checkPreconditions, exposeAddress, setVar } from './generic.ts';
import { ipliteralRouter } from './ipliteral.ts';
import { manualrouteRouter } from './manualroute.ts';
import { boolOption, expandedBool, expandOption, rawOption, RouterOptionError } from './options.ts';
import { redirectRouter, splitAddress } from './redirect.ts';
import type { DriverAnswer, RouteOutcome, RoutingAddress, RoutingEnv } from './types.ts';

export type { RouteHost, RouteOutcome, RoutingAddress, RoutingEnv } from './types.ts';
export { parseRedirectList } from './redirect.ts';

type Driver = (env: RoutingEnv, r: DriverInstance, a: RoutingAddress) => Promise<DriverAnswer>;

const DRIVERS: Record<string, Driver> = {
  accept: acceptRouter,
  dnslookup: dnslookupRouter,
  ipliteral: ipliteralRouter,
  manualroute: manualrouteRouter,
  redirect: redirectRouter,
  queryprogram: queryprogramRouter,
  iplookup: iplookupRouter,
};

/** Children one address may generate in total before routing gives up (a runaway alias loop). */
const MAX_GENERATED = 10_000;

export function newRoutingAddress(address: string, parent?: RoutingAddress): RoutingAddress {
  const { localPart, domain } = splitAddress(address);
  return { address, localPart, domain: domain.toLowerCase(), parent, headersAdd: [], headersRemove: [], addressData: parent?.addressData };
}

function sameAddress(a: RoutingAddress, b: RoutingAddress): boolean {
  return a.localPart === b.localPart && a.domain.toLowerCase() === b.domain.toLowerCase();
}

/** Exim's loop rule: skip a router that already redirected an ancestor with the same address. */
function wouldLoop(a: RoutingAddress, r: DriverInstance): boolean {
  if (a.noRedirect && a.parent?.routedBy === r.name) return true;
  for (let p = a.parent; p; p = p.parent) if (p.routedBy === r.name && sameAddress(p, a)) return true;
  return false;
}

function routerIndex(env: RoutingEnv, name: string, after: number): number | string {
  const i = env.config.routers.findIndex((x) => x.name === name);
  if (i < 0) return `router "${name}" not found`;
  if (i <= after) return `router "${name}" is not after the current router`;
  return i;
}

async function noRouterMessage(env: RoutingEnv, a: RoutingAddress): Promise<string> {
  const r = a.lastRouter;
  if (r && rawOption(r, 'cannot_route_message') !== undefined) {
    try {
      const m = await expandOption(r, 'cannot_route_message', env.ctx);
      if (m !== undefined) return m;
    } catch {
      // An unexpandable message falls back to the standard text.
    }
  }
  return a.declineMessage ?? 'Unrouteable address';
}

/** Generic options applied when a router has run and not declined: errors_to, headers_add/remove. */
async function recordGeneric(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<void> {
  const errorsTo = await expandOption(r, 'errors_to', env.ctx);
  if (errorsTo !== undefined) a.errorsTo = errorsTo;
  const add = await expandOption(r, 'headers_add', env.ctx);
  if (add) a.headersAdd.push(add);
  const remove = await expandOption(r, 'headers_remove', env.ctx);
  if (remove) a.headersRemove.push(remove);
}

/** A redirection's children; with `unseenFrom`, the address itself also goes on from that router (a filter with no significant delivery). */
type One = RouteOutcome | { redirect: RoutingAddress[]; router: DriverInstance; next: number; unseenFrom?: number };

/** Route one address from router `start`: its final outcome, or the children it was redirected to. */
async function routeOne(env: RoutingEnv, a: RoutingAddress, start: number): Promise<One> {
  const routers = env.config.routers;
  env.trace?.(`routing ${a.address}`);
  let i = start;
  while (i < routers.length) {
    const r = routers[i];
    if (wouldLoop(a, r)) {
      i++;
      continue;
    }
    a.lastRouter = r;
    const pre = await checkPreconditions(env, r, a);
    if (pre.rc === 'skip') {
      i++;
      continue;
    }
    if (pre.rc === 'defer') return { address: a, result: 'defer', router: r.name, message: pre.message };
    env.trace?.(`calling ${r.name} router`);
    const driver = DRIVERS[r.driver];
    if (!driver) return { address: a, result: 'defer', router: r.name, message: `${r.driver} router is not implemented yet` };
    let answer: DriverAnswer;
    try {
      const data = await expandOption(r, 'address_data', env.ctx, false);
      if (data !== undefined) {
        a.addressData = data;
        setVar(env.ctx, 'address_data', data, true);
      }
      answer = await driver(env, r, a);
      if (answer.rc !== 'decline' && answer.rc !== 'pass') await recordGeneric(env, r, a);
    } catch (e) {
      if (e instanceof RouterOptionError) return { address: a, result: 'defer', router: r.name, message: e.message };
      if (e instanceof ForcedFail) answer = { rc: 'decline' };
      else if (e instanceof ExpandError) return { address: a, result: 'defer', router: r.name, message: e.message };
      else throw e;
    }
    a.domainData = env.ctx.vars.get('domain_data')?.value;
    a.localPartData = env.ctx.vars.get('local_part_data')?.value;
    a.home = env.ctx.vars.get('home')?.value;
    switch (answer.rc) {
      case 'accept': {
        env.trace?.(`routed by ${r.name} router`);
        // fail_verify sets both of its halves
        const both = r.options.has('fail_verify') && boolOption(r, 'fail_verify');
        const failVerify = env.verify === 'sender' ? both || boolOption(r, 'fail_verify_sender') : env.verify === 'recipient' ? both || boolOption(r, 'fail_verify_recipient') : false;
        return { address: a, result: 'accept', router: r.name, transport: answer.transport, hosts: answer.hosts, failVerify };
      }
      case 'fail': {
        env.trace?.(`${r.name} router forced address failure`);
        const message = answer.message || (await noRouterMessage(env, a));
        return { address: a, result: 'fail', router: r.name, message, userMessage: message };
      }
      case 'defer':
        env.trace?.(`${r.name} router: defer for ${a.address}`);
        env.trace?.(`  message: ${answer.message}`);
        return {
          address: a, result: 'defer', router: r.name, message: answer.message, logged: answer.logged,
          userMessage: answer.userMessage ? answer.message : undefined, logMessage: answer.logMessage,
        };
      case 'discard':
        return { address: a, result: 'discard', router: r.name };
      case 'pass': {
        const to = rawOption(r, 'pass_router');
        if (to === undefined) i++;
        else {
          const n = routerIndex(env, to, i);
          if (typeof n === 'string') return { address: a, result: 'defer', router: r.name, message: n };
          i = n;
        }
        continue;
      }
      case 'decline':
        env.trace?.(`${r.name} router declined for ${a.address}`);
        if (answer.message !== undefined) a.declineMessage = answer.message;
        if (!(await moreAfter(env, r, a))) {
          env.trace?.('"more" is false: skipping remaining routers');
          env.trace?.('no more routers');
          const message = await noRouterMessage(env, a);
          return { address: a, result: 'fail', router: r.name, message, userMessage: message };
        }
        i++;
        continue;
      case 'redirect': {
        env.trace?.(`routed by ${r.name} router`);
        a.routedBy = r.name;
        const children: RoutingAddress[] = [];
        for (const item of answer.children) {
          if (item.kind === 'address') {
            const c = newRoutingAddress(item.address, a);
            c.noRedirect = item.noRedirect;
            if (item.errorsTo !== undefined) c.errorsTo = item.errorsTo;
            children.push(c);
          } else {
            const c = newRoutingAddress(item.kind === 'file' ? item.path : item.kind === 'pipe' ? item.command : '>' + item.to, a);
            children.push(c);
            c.fileOrPipe = { transport: item.transport, forbidden: item.forbidden };
          }
        }
        const to = rawOption(r, 'redirect_router');
        let next = answer.fromNextRouter ? i + 1 : 0;
        if (to !== undefined) {
          const n = env.config.routers.findIndex((x) => x.name === to);
          if (n < 0) return { address: a, result: 'defer', router: r.name, message: `redirect_router "${to}" not found` };
          next = n;
        }
        return { redirect: children, router: r, next, unseenFrom: answer.unseen ? i + 1 : undefined };
      }
    }
  }
  env.trace?.('no more routers');
  const message = await noRouterMessage(env, a);
  return { address: a, result: 'fail', message, userMessage: message };
}

async function moreAfter(env: RoutingEnv, r: DriverInstance, _a: RoutingAddress): Promise<boolean> {
  try {
    return await expandedBool(r, 'more', env.ctx);
  } catch {
    return false;
  }
}

/**
 * Route an address (already qualified) and everything it is redirected to.
 * The outcomes are the leaves: addresses accepted by a router, failed,
 * deferred, discarded (:blackhole:), or file/pipe items.
 */
export async function routeAddress(env: RoutingEnv, address: string | RoutingAddress): Promise<RouteOutcome[]> {
  const top = typeof address === 'string' ? newRoutingAddress(address) : address;
  const outcomes: RouteOutcome[] = [];
  const pending: { a: RoutingAddress; start: number }[] = [{ a: top, start: 0 }];
  let generated = 0;
  while (pending.length > 0) {
    const { a, start } = pending.shift()!;
    const fp = a.fileOrPipe;
    if (fp) {
      // A filter's autoreply is held as ">to" and shown as Exim shows it.
      const what = a.address.startsWith('>') ? `mail ${a.address.slice(1)}` : a.address;
      const kind = what.startsWith('|') ? 'pipe' : what.startsWith('mail ') ? 'reply' : 'file';
      // A forbidden item is set up as failing at delivery; -bt marks it and verification passes it.
      if (fp.forbidden) outcomes.push({ address: a, result: 'accept', router: a.parent?.routedBy, fileOrPipe: what, forbidden: true });
      else outcomes.push(fp.transport === undefined
        ? { address: a, result: 'defer', router: a.parent?.routedBy, fileOrPipe: what, message: `no transport set for ${kind} in ${a.parent?.routedBy} router` }
        : { address: a, result: 'accept', router: a.parent?.routedBy, fileOrPipe: what, transport: fp.transport });
      continue;
    }
    // Verification marks each further address it routes, as Exim's verify loop does.
    if (env.verify && a !== top) env.trace?.('>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>');
    exposeAddress(env, a, undefined);
    // Named-list results are remembered per address (the top one shares the ACL's): a child starts afresh.
    const one = await routeOne({ ...env, listCache: a === top ? env.listCache ?? newListCache() : newListCache() }, a, start);
    if (!('redirect' in one)) {
      outcomes.push(one);
      continue;
    }
    const n = one.redirect.length;
    if (env.stopAtRedirect === 'always' || (env.stopAtRedirect === 'multiple' && n > 1)) {
      outcomes.push({ address: a, result: 'accept', router: one.router.name, redirected: n, children: one.redirect });
      continue;
    }
    generated += n;
    if (generated > MAX_GENERATED) {
      outcomes.push({ address: a, result: 'defer', router: one.router.name, message: 'too many addresses generated by redirection' });
      break;
    }
    // Children are routed before the rest of the list, as Exim does: file, pipe and reply
    // items first, in the order given, then the addresses, last generated first.
    const items = one.redirect.map((c) => ({ a: c, start: one.next }));
    const next = [...items.filter((x) => x.a.fileOrPipe), ...items.filter((x) => !x.a.fileOrPipe).reverse()];
    if (one.unseenFrom !== undefined) next.push({ a: newRoutingAddress(a.address, a), start: one.unseenFrom });
    pending.unshift(...next);
  }
  return outcomes;
}

