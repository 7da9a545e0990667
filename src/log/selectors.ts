// log_selector: which optional items Exim writes to its logs.
//
// The names and the default set are those of the spec's table in section
// "Reducing or increasing what is logged" (the default set marked there with
// asterisks, plus outgoing_interface, which that section describes as on
// unless turned off). Parsing follows Exim: items are "+name" or "-name",
// separated by optional white space; a name is letters, digits and
// underscores; "all" sets or clears every bit, defaults included.

/** Every selector name Exim accepts, in the spec's order. */
export const LOG_SELECTOR_NAMES = [
  '8bitmime', 'acl_warn_skipped', 'address_rewrite', 'all_parents', 'arguments',
  'connection_id', 'connection_reject', 'delay_delivery', 'deliver_time', 'delivery_size',
  'dkim', 'dkim_verbose', 'dmarc', 'dmarc_verbose', 'dnslist_defer', 'dnssec', 'etrn',
  'host_lookup_failed', 'ident_timeout', 'incoming_interface', 'incoming_port',
  'lost_incoming_connection', 'millisec', 'msg_id', 'msg_id_created', 'outgoing_interface',
  'outgoing_port', 'protocol_detail', 'queue_run', 'queue_time', 'queue_time_exclusive',
  'queue_time_overall', 'pid', 'pipelining', 'proxy', 'receive_time', 'received_recipients',
  'received_sender', 'rejected_header', 'retry_defer', 'return_path_on_delivery',
  'sender_on_delivery', 'sender_verify_fail', 'size_reject', 'skip_delivery',
  'smtp_confirmation', 'smtp_connection', 'smtp_incomplete_transaction', 'smtp_mailauth',
  'smtp_no_mail', 'smtp_protocol_error', 'smtp_syntax_error', 'spf', 'spf_verbose', 'subject',
  'tls_certificate_verified', 'tls_cipher', 'tls_on_connect', 'tls_peerdn', 'tls_resumption',
  'tls_sni', 'unknown_in_list',
] as const;

export type LogSelectorName = (typeof LOG_SELECTOR_NAMES)[number];

/** Selectors that are on when log_selector is not set. */
export const DEFAULT_LOG_SELECTORS: readonly LogSelectorName[] = [
  'acl_warn_skipped', 'connection_reject', 'delay_delivery', 'dkim', 'dnslist_defer', 'etrn',
  'host_lookup_failed', 'lost_incoming_connection', 'msg_id', 'outgoing_interface', 'queue_run',
  'rejected_header', 'retry_defer', 'sender_verify_fail', 'size_reject', 'skip_delivery',
  'smtp_confirmation', 'tls_certificate_verified', 'tls_cipher',
];

const KNOWN: ReadonlySet<string> = new Set(LOG_SELECTOR_NAMES);

/** Older spellings Exim still accepts. */
const ALIASES: ReadonlyMap<string, LogSelectorName> = new Map([['rejected_headers', 'rejected_header']]);

export interface LogSelector {
  has(name: string): boolean;
}

/** A parse failure, worded as Exim's configuration error (without the "Exim configuration error:" lead). */
export class LogSelectorError extends Error {
  override name = 'LogSelectorError';
}

class SelectorSet implements LogSelector {
  private readonly on: ReadonlySet<string>;
  constructor(on: Iterable<string>) {
    this.on = new Set(on);
  }
  has(name: string): boolean {
    if (!KNOWN.has(name)) throw new Error(`internal error: unknown log selector "${name}" asked for`);
    return this.on.has(name);
  }
  toString(): string {
    return LOG_SELECTOR_NAMES.filter((n) => this.on.has(n)).map((n) => `+${n}`).join(' ');
  }
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/** Parse a log_selector value on top of Exim's defaults. Throws LogSelectorError. */
export function parseLogSelector(text: string): LogSelector {
  const on = new Set<string>(DEFAULT_LOG_SELECTORS);
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const sign = text[i]!;
    if (sign !== '+' && sign !== '-') {
      throw new LogSelectorError(`malformed log_selector setting: + or - expected but found "${text.slice(i)}"`);
    }
    const start = ++i;
    while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
    const written = text.slice(start, i);
    const name = ALIASES.get(written) ?? written;
    if (name === 'all') {
      if (sign === '+') for (const n of LOG_SELECTOR_NAMES) on.add(n);
      else on.clear();
    } else if (KNOWN.has(name)) {
      if (sign === '+') on.add(name);
      else on.delete(name);
    } else {
      throw new LogSelectorError(`unknown log_selector setting: ${sign}${written}`);
    }
  }
  return new SelectorSet(on);
}

/** Exim's default selection (log_selector unset). */
export function defaultLogSelector(): LogSelector {
  return new SelectorSet(DEFAULT_LOG_SELECTORS);
}
