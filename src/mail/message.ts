// The in-memory form of one message as Exim's spool holds it (chapter
// "Format of spool files"): envelope, status and headers of the -H file.
// Reception (SMTP or local) fills it; the spool writes and reads it; delivery
// reads and updates it. Field names follow the -H file's items.
// Strings read from a spool file are byte strings (one char per byte,
// "latin1"), so 8-bit headers survive a round trip unchanged; the spool
// writer encodes a string holding characters above U+00FF as UTF-8.

/** Header type flags of the -H file: ' ' ordinary, '*' deleted/replaced, others mark well-known headers. */
export type HeaderFlag = ' ' | '*' | 'B' | 'C' | 'F' | 'I' | 'P' | 'R' | 'S' | 'T';

export interface HeaderLine {
  /** The whole header including name, continuation lines and the final "\n" (Unix line ends). */
  text: string;
  flag: HeaderFlag;
}

export interface Recipient {
  address: string;
  /** DSN: NOTIFY= value as given (e.g. "SUCCESS,DELAY"), ORCPT= as given (xtext decoded). */
  dsnNotify?: string;
  orcpt?: string;
  /** one_time redirect bookkeeping (spool format's extended line); absent for plain recipients. */
  errorsTo?: string;
  parent?: number;
  /** DSN "last hop" flag (Exim's 0x01 DSN bit): do not pass DSN requests on. */
  dsnLastHop?: boolean;
}

export interface SpoolVar {
  value: string;
  tainted: boolean;
  /** Name of the lookup the value was quoted for, the "(name)" of a spool item; absent when not quoted. */
  quoter?: string;
}

export interface Message {
  /** Exim message id: 23 characters (4.97+) or 16 (older spools). */
  id: string;
  /** Login name, uid and gid of the process that received the message (second line of -H). */
  owner: { login: string; uid: number; gid: number };
  /** Envelope sender without angle brackets; "" for bounces. */
  sender: string;
  /** Seconds since the epoch when received; count of delay warnings sent. */
  receivedTime: number;
  receivedTimeUsec?: number;
  warningCount: number;
  /** The "-name value" items of the -H file that tern understands (acl vars kept separately). */
  aclC: Map<string, SpoolVar>;
  aclM: Map<string, SpoolVar>;
  activeHostname?: string;
  authId?: string;
  authSender?: string;
  bodyLinecount: number;
  bodyZerocount: number;
  deliverFirsttime: boolean;
  frozenAt?: number;
  heloName?: string;
  hostAddress?: string;
  hostPort?: number;
  hostAuth?: string;
  hostAuthPubname?: string;
  hostLookupFailed: boolean;
  hostName?: string;
  ident?: string;
  interfaceAddress?: string;
  interfacePort?: number;
  local: boolean;
  localError: boolean;
  localScan?: string;
  manualThaw: boolean;
  dontDeliver: boolean; // -N
  receivedProtocol?: string;
  senderSetUntrusted: boolean;
  /** $spam_bar, $spam_score, $spam_score_int of the spam = condition (Exim keeps them with the message). */
  spamBar?: string;
  spamScore?: string;
  spamScoreInt?: string;
  spoolFileWireformat: boolean;
  tlsCertificateVerified: boolean;
  tlsCipher?: string;
  tlsPeerdn?: string;
  tlsSni?: string;
  tlsOcsp?: number;
  /** DSN envelope: ENVID= and RET= of the MAIL command. */
  dsnEnvid?: string;
  dsnRet?: 'FULL' | 'HDRS';
  /** SMTPUTF8 was requested. */
  smtputf8: boolean;
  /** Named queue (`queue =` ACL modifier); "" for the default queue. */
  queueName: string;
  /**
   * Names of the -H items (other than ACL variables) whose values are tainted
   * ("--name" in the file). When absent the spool writer marks helo_name
   * tainted for messages from the network, as Exim does.
   */
  taintedItems?: string[];
  /** Any -H items tern does not interpret, kept verbatim so a rewrite loses nothing. */
  otherItems: string[];
  /** Addresses already delivered (the non-recipients tree, flattened). */
  nonRecipients: string[];
  recipients: Recipient[];
  headers: HeaderLine[];
}

export function emptyMessage(id: string): Message {
  return {
    id,
    owner: { login: '', uid: 0, gid: 0 },
    sender: '',
    receivedTime: 0,
    warningCount: 0,
    aclC: new Map(),
    aclM: new Map(),
    bodyLinecount: 0,
    bodyZerocount: 0,
    deliverFirsttime: true,
    hostLookupFailed: false,
    local: false,
    localError: false,
    manualThaw: false,
    dontDeliver: false,
    senderSetUntrusted: false,
    spoolFileWireformat: false,
    tlsCertificateVerified: false,
    smtputf8: false,
    queueName: '',
    otherItems: [],
    nonRecipients: [],
    recipients: [],
    headers: [],
  };
}
