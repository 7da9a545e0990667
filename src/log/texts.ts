// Fixed texts of Exim's log lines about SMTP sessions, in one place so the
// server, ACLs and reception all write them the same way (and exigrep,
// eximstats and operators' own scripts keep matching them).

/** Why a session ended, as the closing "SMTP connection ... " line says it. */
export const CONNECTION_END = {
  quit: 'closed by QUIT',
  /** The client vanished; Exim adds "(error: <strerror>)" when it has one. */
  lost: 'lost',
  dropped: 'closed by DROP in ACL',
} as const;

export const TEXT = {
  connection: 'SMTP connection',
  connectionCount: (n: number) => `(TCP/IP connection count = ${n})`,
  commandTimeout: 'SMTP command timeout on connection from',
  dataTimeout: 'SMTP data timeout (message abandoned) on connection from',
  unexpectedDisconnect: 'unexpected disconnection while reading SMTP command from',
  lostWhileReading: 'SMTP connection lost while reading message data',
  lostAfterFinalDot: 'SMTP connection lost after final dot',
  tooManySynprot: 'too many syntax or protocol errors',
  tooManyNonmail: 'too many nonmail commands',
  tooManyUnknown: 'too many unrecognized commands',
  noMail: 'no MAIL in SMTP connection from',
  syntaxError: 'SMTP syntax error in',
  protocolError: 'SMTP protocol error in',
  syncError: 'SMTP protocol synchronization error',
  incompleteTransaction: 'incomplete transaction',
  connectionRefusedTooMany: 'Connection from',
} as const;

/** The reasons Exim gives in "SMTP protocol synchronization error (<reason>)". */
export const SYNC_REASON = {
  beforeGreeting: 'input sent without waiting for greeting',
  notAdvertised: 'next input sent too soon: pipelining was not advertised',
  tooSoon: 'next input sent too soon',
} as const;

/** Words Exim uses for each ACL in "rejected <what>" (acl_wherenames). */
export const ACL_WHERE_WORD = {
  connect: 'connection', helo: 'EHLO or HELO', ehlo: 'EHLO or HELO', mail: 'MAIL', rcpt: 'RCPT', predata: 'DATA',
  data: 'after DATA', prdr: 'after DATA PRDR', mime: 'during MIME ACL checks', dkim: 'DKIM', auth: 'AUTH',
  etrn: 'ETRN', expn: 'EXPN', vrfy: 'VRFY', starttls: 'STARTTLS', quit: 'QUIT', notquit: 'NOTQUIT',
  atrn: 'ATRN', wellknown: 'WELLKNOWN',
} as const;
export type AclWhere = keyof typeof ACL_WHERE_WORD;
