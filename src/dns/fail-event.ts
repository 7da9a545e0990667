// The dns:fail event (spec chapter "Events"): Exim raises it for each of its
// own DNS lookups that finds nothing or fails, with "DNS_NOMATCH:name:TYPE"
// (DNS_NODATA, DNS_AGAIN, DNS_FAIL) as $event_data. That covers dnsdb, the
// client's host-name lookup and the routers' MX and address lookups; dnslists
// and host-list names (gethostbyname) do not raise it. The session sets
// ctx.hooks.dnsFail where event_action applies.

import type { ExpandContext } from '../expand/context.ts';
import { afterHeldTrace } from '../lists/trace.ts';
import type { DnsAnswer, RRType } from './types.ts';

const CODES = { nxdomain: 'DNS_NOMATCH', nodata: 'DNS_NODATA', again: 'DNS_AGAIN', fail: 'DNS_FAIL' } as const;

/** Report a lookup's failure (nothing for an answer with records). */
export function reportDnsFail(ctx: ExpandContext, answer: Pick<DnsAnswer, 'status'>, name: string, type: RRType): void {
  if (!ctx.hooks.dnsFail || answer.status === 'ok') return;
  const data = `${CODES[answer.status]}:${name}:${type}`;
  // in its place among a -bh trace's held lines; a computation replayed after a wait raises it once
  afterHeldTrace(ctx, () => {
    if (ctx.memo.firstTime(`dns:fail\0${data}`)) ctx.hooks.dnsFail?.(data);
  });
}
