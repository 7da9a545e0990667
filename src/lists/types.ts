// Results of list matching, shared by the four kinds of list.

export interface ListMatch {
  result: 'ok' | 'fail' | 'defer';
  /**
   * The "value" of the item that matched (for $domain_data, $local_part_data,
   * $host_data, $sender_data, $recipient_data, $value): the lookup data, the
   * list item, the primary host name for "@", etc.
   */
  data?: string;
  /** $0, $1... for a matching regular expression or "*" wildcard item. */
  captures?: string[];
  /** Why a defer happened (e.g. a lookup's or DNS's error text). */
  message?: string;
  /** A negated item matched: the data it found, which Exim still caches for a named list (trace only). */
  cacheData?: string;
}

/** What one item says about the subject. "unknown": the host name/address it needs cannot be found. */
export interface ItemOutcome {
  r: 'ok' | 'fail' | 'defer' | 'unknown';
  data?: string;
  /** What Exim's own match value holds after this item, where it differs from data (trace only; address lists). */
  traceData?: string;
  captures?: string[];
  message?: string;
}

export const FAIL: ItemOutcome = Object.freeze({ r: 'fail' });
