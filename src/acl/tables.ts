// The fixed vocabulary of ACLs: verbs, the names Exim gives each ACL
// phase in its messages, and for each condition/modifier whether it is a
// modifier, whether its argument is expanded before use, and in which
// phases it is forbidden (the spec's "not relevant in ... ACL" rules).

import type { AclWhere } from './types.ts';

export const VERBS = ['accept', 'defer', 'deny', 'discard', 'drop', 'require', 'warn'] as const;
export type Verb = (typeof VERBS)[number];

/** Exim's name for each phase, as used in "cannot test X condition in <name> ACL". */
export const WHERE_NAMES: Record<AclWhere, string> = {
  rcpt: 'RCPT', mail: 'MAIL', predata: 'PREDATA', mime: 'MIME', dkim: 'DKIM', data: 'DATA', prdr: 'PRDR',
  not_smtp: 'non-SMTP', auth: 'AUTH', connect: 'connection', etrn: 'ETRN', expn: 'EXPN', helo: 'EHLO or HELO',
  mailauth: 'MAILAUTH', not_smtp_start: 'non-SMTP-start', notquit: 'NOTQUIT', quit: 'QUIT', starttls: 'STARTTLS',
  vrfy: 'VRFY', delivery: 'delivery', expansion: 'unknown', atrn: 'ATRN', wellknown: 'WELLKNOWN', not_smtp_mime: 'MIME',
};

/** Phases in which a message is being received (Exim's "where <= ACL_WHERE_NOTSMTP"). */
export const MESSAGE_WHERES: ReadonlySet<AclWhere> = new Set<AclWhere>(
  ['rcpt', 'mail', 'predata', 'mime', 'dkim', 'data', 'prdr', 'not_smtp', 'not_smtp_mime'],
);

export function isMessageWhere(where: AclWhere): boolean {
  return MESSAGE_WHERES.has(where);
}

type WhereSet = ReadonlySet<AclWhere>;
const ALL: AclWhere[] = Object.keys(WHERE_NAMES) as AclWhere[];
const only = (...w: AclWhere[]): WhereSet => new Set(ALL.filter((x) => !w.includes(x)));
const forbid = (...w: AclWhere[]): WhereSet => new Set(w);
const NONE: WhereSet = new Set();

export interface ConditionDef {
  name: string;
  modifier: boolean;
  /** Argument expanded by the engine before use (others expand inside list matching). */
  expand: boolean;
  forbids: WhereSet;
}

const HAVE_DATA: AclWhere[] = ['data', 'not_smtp', 'mime', 'not_smtp_mime', 'dkim', 'prdr'];
const NOT_MESSAGE_SENDER: AclWhere[] = ['auth', 'connect', 'helo', 'mailauth', 'quit', 'etrn', 'expn', 'starttls', 'vrfy'];

const defs: ConditionDef[] = [
  { name: 'acl', modifier: false, expand: false, forbids: NONE },
  { name: 'add_header', modifier: true, expand: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'prdr', 'mime', 'not_smtp', 'not_smtp_mime', 'dkim', 'not_smtp_start') },
  { name: 'atrn_domains', modifier: false, expand: true, forbids: only('atrn') },
  { name: 'authenticated', modifier: false, expand: false, forbids: forbid('not_smtp', 'not_smtp_start', 'not_smtp_mime', 'connect', 'helo') },
  { name: 'condition', modifier: false, expand: true, forbids: NONE },
  { name: 'continue', modifier: true, expand: true, forbids: NONE },
  { name: 'control', modifier: true, expand: true, forbids: NONE },
  { name: 'decode', modifier: false, expand: true, forbids: only('mime', 'not_smtp_mime') },
  { name: 'delay', modifier: true, expand: true, forbids: forbid('notquit') },
  { name: 'dkim_signers', modifier: false, expand: true, forbids: only('dkim') },
  { name: 'dkim_status', modifier: false, expand: true, forbids: only('dkim', 'data', 'mime', 'prdr') },
  { name: 'dmarc_status', modifier: false, expand: true, forbids: only('data') },
  { name: 'dnslists', modifier: false, expand: true, forbids: NONE },
  { name: 'domains', modifier: false, expand: false, forbids: only('rcpt', 'vrfy', 'prdr') },
  { name: 'encrypted', modifier: false, expand: false, forbids: forbid('not_smtp', 'not_smtp_start', 'not_smtp_mime', 'connect') },
  { name: 'endpass', modifier: true, expand: false, forbids: NONE },
  { name: 'hosts', modifier: false, expand: false, forbids: forbid('not_smtp', 'not_smtp_start', 'not_smtp_mime') },
  { name: 'local_parts', modifier: false, expand: false, forbids: only('rcpt', 'vrfy', 'prdr') },
  { name: 'log_message', modifier: true, expand: true, forbids: NONE },
  { name: 'log_reject_target', modifier: true, expand: true, forbids: NONE },
  { name: 'logwrite', modifier: true, expand: true, forbids: NONE },
  { name: 'malware', modifier: false, expand: true, forbids: only('data', 'prdr', 'not_smtp') },
  { name: 'message', modifier: true, expand: true, forbids: NONE },
  { name: 'mime_regex', modifier: false, expand: true, forbids: only('mime', 'not_smtp_mime') },
  { name: 'queue', modifier: true, expand: true, forbids: forbid('not_smtp', 'prdr', 'data') },
  { name: 'ratelimit', modifier: false, expand: true, forbids: NONE },
  { name: 'recipients', modifier: false, expand: false, forbids: only('rcpt', 'prdr') },
  { name: 'regex', modifier: false, expand: true, forbids: only('data', 'prdr', 'not_smtp', 'mime', 'not_smtp_mime') },
  { name: 'remove_header', modifier: true, expand: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'prdr', 'mime', 'not_smtp', 'not_smtp_mime', 'not_smtp_start') },
  { name: 'seen', modifier: false, expand: true, forbids: NONE },
  { name: 'sender_domains', modifier: false, expand: false, forbids: forbid(...NOT_MESSAGE_SENDER) },
  { name: 'senders', modifier: false, expand: false, forbids: forbid(...NOT_MESSAGE_SENDER) },
  { name: 'set', modifier: true, expand: true, forbids: NONE },
  { name: 'spam', modifier: false, expand: true, forbids: only('data', 'prdr', 'not_smtp') },
  { name: 'spf', modifier: false, expand: true, forbids: forbid(...NOT_MESSAGE_SENDER.filter((w) => w !== 'quit'), 'not_smtp', 'not_smtp_start') },
  { name: 'spf_guess', modifier: false, expand: true, forbids: forbid(...NOT_MESSAGE_SENDER.filter((w) => w !== 'quit'), 'not_smtp', 'not_smtp_start') },
  { name: 'udpsend', modifier: true, expand: true, forbids: NONE },
  { name: 'verify', modifier: false, expand: true, forbids: NONE },
];

export const CONDITIONS: ReadonlyMap<string, ConditionDef> = new Map(defs.map((d) => [d.name, d]));

/** Phases that have a received message (verify = header_syntax and friends). */
export const HAVE_DATA_WHERES: WhereSet = new Set(HAVE_DATA);

export interface ControlDef {
  name: string;
  /** The control may be followed by "/options" (or "_only" for queue). */
  hasOption: boolean;
  forbids: WhereSet;
}

const controlDefs: ControlDef[] = [
  { name: 'allow_auth_unadvertised', hasOption: false, forbids: only('connect', 'helo') },
  { name: 'caseful_local_part', hasOption: false, forbids: only('rcpt') },
  { name: 'caselower_local_part', hasOption: false, forbids: only('rcpt') },
  { name: 'cutthrough_delivery', hasOption: true, forbids: forbid('not_smtp', 'not_smtp_start', 'not_smtp_mime', 'connect', 'helo', 'mail', 'predata', 'data', 'mime', 'dkim', 'prdr', 'quit', 'notquit') },
  { name: 'debug', hasOption: true, forbids: NONE },
  { name: 'dkim_disable_verify', hasOption: false, forbids: forbid('data', 'not_smtp', 'prdr', 'not_smtp_start') },
  { name: 'dmarc_disable_verify', hasOption: false, forbids: forbid('data', 'not_smtp', 'not_smtp_start') },
  { name: 'dmarc_enable_forensic', hasOption: false, forbids: forbid('data', 'not_smtp', 'not_smtp_start') },
  { name: 'dscp', hasOption: true, forbids: forbid('not_smtp', 'not_smtp_start', 'notquit') },
  { name: 'enforce_sync', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'fakedefer', hasOption: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'prdr', 'mime') },
  { name: 'fakereject', hasOption: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'prdr', 'mime') },
  { name: 'freeze', hasOption: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'not_smtp', 'mime', 'not_smtp_mime') },
  { name: 'no_callout_flush', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'no_delay_flush', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'no_enforce_sync', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'no_mbox_unspool', hasOption: false, forbids: only('mail', 'rcpt', 'predata', 'data', 'mime', 'not_smtp_mime') },
  { name: 'no_multiline_responses', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'no_pipelining', hasOption: false, forbids: forbid('not_smtp', 'not_smtp_start') },
  { name: 'queue', hasOption: true, forbids: only('mail', 'rcpt', 'predata', 'data', 'not_smtp', 'mime', 'not_smtp_mime') },
  { name: 'submission', hasOption: true, forbids: only('mail', 'rcpt', 'predata') },
  { name: 'suppress_local_fixups', hasOption: false, forbids: only('mail', 'rcpt', 'predata', 'not_smtp_start') },
  { name: 'utf8_downconvert', hasOption: true, forbids: only('rcpt', 'vrfy') },
  { name: 'wellknown', hasOption: true, forbids: only('wellknown') },
];

/** Controls sorted by name, for Exim's prefix search ("queue_only" finds "queue"). */
export const CONTROLS: readonly ControlDef[] = controlDefs.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/**
 * Exim looks a control up by binary search comparing only the length of each
 * table name, so "queue_only" finds "queue"; this does the same search.
 */
export function findControl(text: string): ControlDef | undefined {
  let lo = 0;
  let hi = CONTROLS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const name = CONTROLS[mid].name;
    const head = text.slice(0, name.length);
    if (head === name) return CONTROLS[mid];
    if (head < name) hi = mid;
    else lo = mid + 1;
  }
  return undefined;
}
