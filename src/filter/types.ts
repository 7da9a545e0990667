// What running a filter (Exim or Sieve) produces: the deliveries it set up,
// and how it ended. Nothing is delivered while a filter runs; the redirect
// router (or the -bf test mode) decides what to do with this.

/** An automatic reply set up by "mail"/"vacation" (Exim) or "vacation" (Sieve): Exim's reply_item. */
export interface AutoReply {
  to: string;
  cc?: string;
  bcc?: string;
  from?: string;
  replyTo?: string;
  subject?: string;
  /** Extra header lines, newline-separated. */
  headers?: string;
  text?: string;
  file?: string;
  /** Each line of `file` is expanded. */
  fileExpand: boolean;
  log?: string;
  once?: string;
  /** Seconds before another reply goes to the same address; 0 = never. */
  onceRepeat: number;
  /** Append the incoming message. */
  returnMessage: boolean;
}

interface Common {
  /** Errors for this delivery are ignored ("noerror"). */
  noerror?: boolean;
}

export type FilterDelivery =
  | (Common & { kind: 'address'; address: string; errorsTo?: string })
  | (Common & { kind: 'file'; path: string; mode?: number })
  | (Common & {
    kind: 'pipe';
    /** Starts with "|"; its arguments are expanded by the transport after splitting (Exim's af_expand_pipe). */
    command: string;
    /** $thisaddress and $0..$n as they were when the pipe command was obeyed, for that later expansion. */
    thisAddress?: string;
    numeric?: (string | undefined)[];
  })
  | (Common & { kind: 'reply'; reply: AutoReply });

/** How a filter ended (Exim's FF_* codes). */
export type FilterOutcome = 'delivered' | 'not-delivered' | 'defer' | 'fail' | 'freeze' | 'error';

export interface FilterResult {
  outcome: FilterOutcome;
  /** The text of defer/fail/freeze, or the error. */
  message?: string;
  /** Generated deliveries, in the order the filter set them up. */
  deliveries: FilterDelivery[];
  /** System filter only: header lines added ("Name: value\n") and header names removed. */
  headersAdded: string[];
  headersRemoved: string[];
  /** $n0..$n9 at the end (a system filter's become the users' $sn0..$sn9). */
  n: number[];
}
