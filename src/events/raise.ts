// Events (chapter "Events"): the main configuration's event_action is
// expanded when a reception event fires, with $event_name, $event_data and
// $event_defer_errno set for that expansion only. What it returns matters
// for some events (auth:fail: the log line to write instead of Exim's;
// tls:cert: refuse verification); for the others it is ignored. A failed
// expansion is logged and treated as an empty result.

import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandString, expandStringAsync } from '../expand/index.ts';

export type ReceptionEvent = 'auth:fail' | 'dns:fail' | 'tls:cert' | 'tls:fail:connect' | 'smtp:fail:protocol' | 'smtp:fail:syntax';

const EVENT_VARS = ['event_name', 'event_data', 'event_defer_errno'] as const;

export interface EventSink {
  config: Config;
  ctx: ExpandContext;
  panic(line: string): void;
  /** Called before the expansion (e.g. to make ${acl} available), only when event_action is set. */
  prepare?(): void;
}

/** Fire an event; resolves with event_action's non-empty result, or undefined. */
export function raiseEvent(sink: EventSink, name: ReceptionEvent, data: string, deferErrno = 0): Promise<string | undefined> {
  return withEventVars(sink, name, data, deferErrno, (action) => expandStringAsync(action, sink.ctx));
}

/**
 * Fire an event from inside a synchronous expansion (dns:fail during a
 * dnsdb lookup): event_action must not need to wait there.
 */
export function raiseEventSync(sink: EventSink, name: ReceptionEvent, data: string): string | undefined {
  return withEventVars(sink, name, data, 0, (action) => expandString(action, sink.ctx));
}

function withEventVars<R extends string | Promise<string>>(sink: EventSink, name: ReceptionEvent, data: string, deferErrno: number,
  expand: (action: string) => R): R extends Promise<string> ? Promise<string | undefined> : string | undefined;
function withEventVars(sink: EventSink, name: ReceptionEvent, data: string, deferErrno: number,
  expand: (action: string) => string | Promise<string>): string | undefined | Promise<string | undefined> {
  const action = optionString(sink.config, 'event_action');
  if (!action) return undefined;
  sink.prepare?.();
  const vars = sink.ctx.vars;
  const saved = EVENT_VARS.map((v) => vars.get(v));
  const restore = (): void => EVENT_VARS.forEach((v, i) => {
    const old = saved[i];
    if (old) vars.set(v, old);
    else vars.delete(v);
  });
  const failed = (e: unknown): undefined => {
    sink.panic(`failed to expand event_action ${name} in main: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  };
  vars.set('event_name', { value: name, tainted: false });
  vars.set('event_data', { value: data, tainted: true });
  vars.set('event_defer_errno', { value: String(deferErrno), tainted: false });
  let out: string | Promise<string>;
  try {
    out = expand(action);
  } catch (e) {
    restore();
    return failed(e);
  }
  if (typeof out === 'string') {
    restore();
    return out === '' ? undefined : out;
  }
  return out.then((v) => (v === '' ? undefined : v), failed).finally(restore);
}
