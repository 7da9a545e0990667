// The shape of option-table rows and the typed values options hold.

/** How a value is read and printed. Lists are kept as their raw text. */
export type OptionType =
  | 'bool' // true/false/yes/no, or bare name / no_name
  | 'int' // decimal, 0x hex, 0 octal, K/M/G multipliers
  | 'mkint' // an int that -bP prints with K/M/G when it divides exactly
  | 'kint' // an int held in kilobytes: a bare number means K
  | 'octal' // always octal; printed with a leading 0
  | 'fixed' // decimal with up to three places, held as thousandths
  | 'time' // 1w2d3h4m5s, held in seconds
  | 'timelist' // colon-separated times
  | 'string'
  | 'stringlist'
  | 'hostlist'
  | 'domainlist'
  | 'addresslist'
  | 'localpartlist'
  | 'intlist'
  | 'uid' // a user name or number
  | 'gid'
  | 'uidlist'
  | 'gidlist'
  | 'rewrite'; // transport headers_rewrite: rewrite rules

/** Generated table row: [name, type (with "*" when expanded), default or null, flags]. */
export type OptionRow = readonly [string, string, string | null] | readonly [string, string, string | null, string];

export interface OptionDef {
  name: string;
  type: OptionType;
  /** Expanded at use: the text is compiled to an expansion at load time. */
  expanded: boolean;
  /** Default in configuration syntax, or null when unset. */
  default: string | null;
  /** Accepted but left out of a full -bP listing. */
  hidden: boolean;
  /** Which table it came from: main, routers/transports/authenticators (generic), or a driver name. */
  scope: string;
}

/** The parsed value of one option. */
export type TypedValue =
  | { kind: 'unset' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'number'; value: number } // int, mkint, kint (K), octal, fixed (thousandths), time (s)
  | { kind: 'string'; value: string } // strings, lists, expanded text
  | { kind: 'ids'; value: string; ids: number[] | null } // uid/gid(list): text and resolved ids (null when expanded)
  | { kind: 'times'; value: number[] };

export interface WhereSet {
  file: string;
  line: number;
}

export interface OptionValue {
  def: OptionDef;
  value: TypedValue;
  /** The text after "=" (after quote processing), as written. */
  raw: string;
  where: WhereSet;
  /** Set with the `hide` prefix: -bP shows <value not displayable>. */
  hidden: boolean;
}
