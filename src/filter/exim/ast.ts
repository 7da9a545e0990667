// The parsed form of an Exim filter file (filter.xfpt, chapter "Exim filter
// files"): a list of commands, some holding conditions and nested lists.
// Strings are kept unexpanded; the interpreter expands them when obeyed.

/** String tests: lower-case names ignore case, upper-case names do not. */
export type StringTest = 'is' | 'IS' | 'contains' | 'CONTAINS' | 'begins' | 'BEGINS' | 'ends' | 'ENDS' | 'matches' | 'MATCHES';

export type Condition =
  | { kind: 'and' | 'or'; testFor: boolean; left: Condition; right: Condition }
  | { kind: 'personal'; testFor: boolean; aliases: string[] }
  | { kind: 'delivered' | 'error_message' | 'first_delivery' | 'manually_thawed'; testFor: boolean }
  | { kind: 'foranyaddress'; testFor: boolean; list: string; inner: Condition }
  | { kind: StringTest | 'above' | 'below'; testFor: boolean; left: string; right: string };

/** The keyword arguments of "mail" and "vacation", in Exim's order. */
export const MAIL_ARGS = ['to', 'cc', 'bcc', 'from', 'reply_to', 'subject', 'extra_headers', 'text', 'file', 'log', 'once', 'once_repeat'] as const;
export type MailArg = (typeof MAIL_ARGS)[number];

interface Flags {
  /** Whether the command counts as a significant delivery. */
  seen: boolean;
  noerror: boolean;
  line: number;
}

export type Command =
  | (Flags & { kind: 'add'; value: string; variable: string })
  | (Flags & { kind: 'deliver'; address: string; errorsTo?: string })
  | (Flags & { kind: 'save'; path: string; mode?: number })
  | (Flags & { kind: 'pipe'; command: string })
  | (Flags & { kind: 'logfile'; path: string; mode?: number })
  | (Flags & { kind: 'logwrite'; text: string })
  | (Flags & { kind: 'testprint'; text: string })
  | (Flags & { kind: 'headers'; op: 'add' | 'remove' | 'charset'; value: string })
  | (Flags & { kind: 'defer' | 'fail' | 'freeze'; text: string })
  | (Flags & { kind: 'finish' })
  | (Flags & { kind: 'if'; branches: { cond: Condition; text: string; body: Command[] }[]; otherwise: Command[] })
  | (Flags & { kind: 'mail' | 'vacation'; args: Partial<Record<MailArg, string>>; expandFile: boolean; returnMessage: boolean });
