// A filter file as a redirect router's data (spec, "Interpreting redirection
// data", allow_filter and the forbid_* options): run the filter and turn
// what it set up into the router's answer.
//
// - no significant delivery and nothing generated: the router declines;
// - a significant delivery but nothing generated ("seen finish"): discard;
// - generated deliveries: redirect to them; when none is significant the
//   address also goes on to the next router, as if "unseen" were set;
// - fail/defer/freeze: the address fails or defers with the filter's text
//   (freezing the message is left to delivery; routing defers);
// - an error: defer with "error in filter file: ..." (with skip_syntax_errors:
//   log it and decline).

import type { DriverInstance } from '../config/types.ts';
import type { ExpandContext } from '../expand/context.ts';
import { boolOption, expandOption, rawOption } from '../routers/options.ts';
import type { DriverAnswer, GeneratedItem, RoutingAddress, RoutingEnv } from '../routers/types.ts';
import { detectFilter } from './index.ts';
import { runEximFilter } from './exim/run.ts';
import { runSieveFilter } from './sieve/run.ts';
import type { FilterResult } from './types.ts';

export { detectFilter };

export interface RedirectFilterInput {
  env: RoutingEnv;
  router: DriverInstance;
  address: RoutingAddress;
  text: string;
  qualify(localPart: string): string;
}

/** Run the filter that `text` holds; undefined when it is not a filter (a plain redirection list). */
export async function redirectFilter(input: RedirectFilterInput): Promise<DriverAnswer | undefined> {
  const { env, router: r, text } = input;
  const kind = detectFilter(text);
  if (kind === undefined) return undefined;
  if (!boolOption(r, 'allow_filter')) return { rc: 'defer', message: 'error in filter file: filtering not enabled' };
  if (kind === 'exim' && boolOption(r, 'forbid_exim_filter')) return { rc: 'defer', message: 'error in filter file: Exim filtering not enabled' };
  if (kind === 'sieve' && boolOption(r, 'forbid_sieve_filter')) return { rc: 'defer', message: 'error in filter file: Sieve filtering not enabled' };
  const ctx = env.ctx;
  const testing = env.verify !== undefined || env.addressTest === true || env.expn === true;
  const haveMessage = (ctx.vars.get('message_id')?.value ?? '') !== '';
  // Delivery states, as the expander's first_delivery condition reads them (unknown: a first delivery).
  const flag = (name: string): boolean | undefined => {
    const v = ctx.vars.get(name)?.value;
    return v === undefined ? undefined : v === '1' || v === 'yes';
  };
  let result: FilterResult;
  if (kind === 'exim') {
    result = await runEximFilter(text, {
      ctx,
      allowDefer: boolOption(r, 'allow_defer'),
      allowFail: boolOption(r, 'allow_fail'),
      allowFreeze: boolOption(r, 'allow_freeze'),
      log: boolOption(r, 'forbid_filter_logwrite') ? 'forbid' : testing ? 'skip' : 'write',
      prependHome: r.options.has('filter_prepend_home') ? boolOption(r, 'filter_prepend_home') : true,
      qualify: input.qualify,
      haveMessage,
      firstDelivery: flag('first_delivery'),
      manuallyThawed: flag('manually_thawed'),
      forbid: {
        lookup: boolOption(r, 'forbid_filter_lookup'), run: boolOption(r, 'forbid_filter_run'),
        readfile: boolOption(r, 'forbid_filter_readfile'), readsocket: boolOption(r, 'forbid_filter_readsocket'),
        dlfunc: boolOption(r, 'forbid_filter_dlfunc'), perl: boolOption(r, 'forbid_filter_perl'),
        existstest: boolOption(r, 'forbid_filter_existstest'),
      },
    });
  } else {
    const inbox = (await expandOption(r, 'sieve_inbox', ctx)) ?? 'inbox';
    result = await runSieveFilter(text, {
      ctx, qualify: input.qualify, inbox,
      subaddress: await expandOption(r, 'sieve_subaddress', ctx),
      useraddress: await expandOption(r, 'sieve_useraddress', ctx),
      vacationDirectory: await expandOption(r, 'sieve_vacation_directory', ctx),
    });
  }
  // skip_syntax_errors: a broken Exim filter is logged and the router declines (Sieve errors already keep).
  if (result.outcome === 'error' && boolOption(r, 'skip_syntax_errors')) {
    env.log?.(`${r.name} router: skipped error: ${result.message ?? ''}`);
    return { rc: 'decline' };
  }
  return answerFor(result, r, ctx);
}

async function answerFor(result: FilterResult, r: DriverInstance, ctx: ExpandContext): Promise<DriverAnswer> {
  switch (result.outcome) {
    case 'error':
      return { rc: 'defer', message: `error in filter file: ${result.message ?? ''}` };
    case 'fail':
      return { rc: 'fail', message: result.message || undefined };
    case 'defer':
    case 'freeze':
      return { rc: 'defer', message: result.message ?? '', userMessage: true };
  }
  const significant = result.outcome === 'delivered';
  if (result.deliveries.length === 0) return significant ? { rc: 'discard' } : { rc: 'decline' };
  const children: GeneratedItem[] = [];
  for (const d of result.deliveries) {
    switch (d.kind) {
      case 'address':
        children.push({ kind: 'address', address: d.address, errorsTo: d.errorsTo });
        break;
      case 'file': {
        if (boolOption(r, 'forbid_file')) {
          children.push({ kind: 'file', path: d.path, forbidden: true });
          break;
        }
        const opt = d.path.endsWith('/') && rawOption(r, 'directory_transport') !== undefined ? 'directory_transport' : 'file_transport';
        children.push({ kind: 'file', path: d.path, transport: await expandOption(r, opt, ctx) });
        break;
      }
      case 'pipe':
        if (boolOption(r, 'forbid_pipe')) {
          children.push({ kind: 'pipe', command: d.command, forbidden: true });
          break;
        }
        children.push({ kind: 'pipe', command: d.command, transport: await expandOption(r, 'pipe_transport', ctx) });
        break;
      case 'reply':
        if (boolOption(r, 'forbid_filter_reply')) {
          children.push({ kind: 'reply', to: d.reply.to, forbidden: true });
          break;
        }
        children.push({ kind: 'reply', to: d.reply.to, transport: await expandOption(r, 'reply_transport', ctx) });
        break;
    }
  }
  return { rc: 'redirect', children, unseen: !significant };
}
