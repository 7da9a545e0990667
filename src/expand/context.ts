// The state an expansion reads: variables, the configuration's named lists,
// lookups, and the memo that lets waiting items (DNS, sockets) suspend.
// Later subsystems (SMTP session, message, delivery) fill `vars`; the
// variable registry (variables.ts) maps Exim's variable names onto them.

import { AsyncMemo } from '../util/suspend.ts';

/** A value with its taint: data that came from outside (the network, a message) is tainted. */
export interface VarValue {
  value: string;
  tainted: boolean;
}

/** Named lists from the configuration (domainlist, hostlist, addresslist, localpartlist). */
export type NamedListKind = 'domain' | 'host' | 'address' | 'localpart';
export interface NamedList {
  kind: NamedListKind;
  name: string;
  /** The raw list text (unexpanded), as written in the configuration. */
  text: string;
  /** Whether results may be cached (no $variables inside it). */
  cacheable: boolean;
}

/** An ACL's outcome as ${acl} sees it; 'drop' is Exim's FAIL_DROP. */
export type AclHookResult = 'ok' | 'fail' | 'defer' | 'drop' | 'error';

/** Hooks into other subsystems that the expander calls but does not own. */
export interface ExpandHooks {
  /** ${acl {name}{arg1}...} and the acl condition: run an ACL; returns verb result and message. */
  runAcl?(name: string, args: string[], ctx: ExpandContext): { result: AclHookResult; message?: string };
  /** The dns:fail event of a dnsdb lookup ("DNS_NOMATCH:name:TYPE"); set where event_action applies. */
  dnsFail?(data: string): void;
  /** A host-list item names a host with no address: the session logs it as Exim does. */
  hostNotFound?(name: string): void;
  /** A host list needed the client's name and its address has none: the session logs it as Exim does. */
  noHostName?(address: string): void;
}

export interface ExpandContext {
  /** Named variables set by other subsystems: key is Exim's name without '$' (e.g. "sender_host_address"). */
  vars: Map<string, VarValue>;
  /** Header lines of the current message, if any, in order, as raw "Name: value\n" text. */
  headers?: string[];
  /** Message body (for $message_body etc.), if any. */
  body?: string;
  /** Named lists of the configuration, by name. */
  namedLists: Map<string, NamedList>;
  /** Memo for items that have to wait (see util/suspend.ts). */
  memo: AsyncMemo;
  hooks: ExpandHooks;
  /** True while testing with -be, where some checks (taint on ${readfile}) are Exim's -be behaviour. */
  testMode?: boolean;
  /** Configuration options readable as $option-like values via ${...}; filled by config. */
  options?: Map<string, string>;
  /** $0..$n at the start of each expansion: a filter's last successful "matches" leaves them set. */
  numericVars?: { caps: readonly (string | undefined)[]; tainted: boolean };
}

export function newContext(partial: Partial<ExpandContext> = {}): ExpandContext {
  return {
    vars: new Map(),
    namedLists: new Map(),
    memo: new AsyncMemo(),
    hooks: {},
    ...partial,
  };
}
