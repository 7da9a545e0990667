// The spamd wire protocols, apart from sockets: SpamAssassin's SPAMC/1.2
// REPORT request (whose answer has no Content-length and carries the
// verdict in a "Spam: True ; 15.2 / 5.0" header), and Rspamd's legacy
// RSPAMC/1.3 CHECK request (answer "Metric: default; True; s / t / r" and
// "Action: ..."), which is what Exim speaks to Rspamd; and the $spam_*
// variables as Exim formats them from score and threshold.

export interface SpamdRequestInfo {
  user: string;
  contentLength: number;
  /** For Rspamd: the envelope and the client. */
  messageId?: string;
  sender?: string;
  recipients?: readonly string[];
  helo?: string;
  hostName?: string;
  hostAddress?: string;
  authenticatedId?: string;
}

/** The request head that goes before the message. */
export function spamdRequestHead(info: SpamdRequestInfo, rspamd: boolean): string {
  if (!rspamd) return `REPORT SPAMC/1.2\r\nUser: ${info.user}\r\nContent-length: ${info.contentLength}\r\n\r\n`;
  const recipients = info.recipients ?? [];
  let head = `CHECK RSPAMC/1.3\r\nContent-length: ${info.contentLength}\r\n`
    + `Queue-Id: ${info.messageId ?? ''}\r\nFrom: <${info.sender ?? ''}>\r\nRecipient-Number: ${recipients.length}\r\n`;
  for (const r of recipients) head += `Rcpt: <${r}>\r\n`;
  if (info.helo) head += `Helo: ${info.helo}\r\n`;
  if (info.hostName) head += `Hostname: ${info.hostName}\r\n`;
  if (info.hostAddress) head += `IP: ${info.hostAddress}\r\n`;
  if (info.authenticatedId) head += `User: ${info.authenticatedId}\r\n`;
  return head + '\r\n';
}

export interface SpamdVerdict {
  score: number;
  threshold: number;
  /** SpamAssassin: "reject" or "no action"; Rspamd: its recommended action. */
  action: string;
  /** The report text as sent (CRLF or LF lines). */
  report: string;
}

const NUMBER = String.raw`([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)`;
const SA_STATUS = /^SPAMD\/\S{1,7} 0 EX_OK\r\n/;
const SA_SPAM_LINE = new RegExp(String.raw`^Spam:\s*\S+\s*;\s*${NUMBER}\s*\/\s*${NUMBER}\s*$`);
const SA_OLD_SCORES = new RegExp(String.raw`^\s*${NUMBER}\s*\/\s*${NUMBER}\r\n`);
const RSPAMD_HEAD = new RegExp(String.raw`^RSPAMD\/\S{1,7} 0 EX_OK\r\nMetric: default; \S{1,7}\s*${NUMBER}\s*\/\s*${NUMBER}\s*\/\s*${NUMBER}\r\n`);
const RSPAMD_ACTION = /^Action: ([^\r\n]*)\r\n/;

/** SpamAssassin's answer; undefined when it cannot be understood. */
export function parseSpamAssassinReply(text: string): SpamdVerdict | undefined {
  const status = SA_STATUS.exec(text);
  if (!status) return undefined;
  let rest = text.slice(status[0].length);
  // spamd before protocol 1.3 answers: Content-length, blank line, then "score/threshold"
  if (/^Content-length:/i.test(rest)) {
    const blank = rest.indexOf('\r\n\r\n');
    if (blank < 0) return undefined;
    rest = rest.slice(blank + 4);
    const m = SA_OLD_SCORES.exec(rest);
    if (!m) return undefined;
    return verdictFromScores(Number(m[1]), Number(m[2]), rest.slice(m[0].length));
  }
  const eol = rest.indexOf('\r\n');
  if (eol < 0) return undefined;
  const m = SA_SPAM_LINE.exec(rest.slice(0, eol));
  if (!m) return undefined;
  rest = rest.slice(eol + 2);
  if (rest.startsWith('\r\n')) rest = rest.slice(2);
  return verdictFromScores(Number(m[1]), Number(m[2]), rest);
}

function verdictFromScores(score: number, threshold: number, report: string): SpamdVerdict {
  return { score, threshold, action: score >= threshold ? 'reject' : 'no action', report };
}

/** Rspamd's legacy answer; undefined when it cannot be understood. */
export function parseRspamdReply(text: string): SpamdVerdict | undefined {
  const head = RSPAMD_HEAD.exec(text);
  if (!head) return undefined;
  const rest = text.slice(head[0].length);
  const action = RSPAMD_ACTION.exec(rest);
  if (!action) return undefined;
  // Exim's report for Rspamd starts with the Action: line (checked with Exim 4.98 and Rspamd 3.4)
  return { score: Number(head[1]), threshold: Number(head[2]), action: action[1], report: rest };
}

export interface SpamVariables {
  spam_score: string;
  spam_score_int: string;
  spam_bar: string;
  spam_report: string;
  spam_action: string;
}

/** Exim lets the bar grow to one more than the 50 the spec names (checked with Exim 4.98: 51 '+' for 1000). */
const SPAM_BAR_MAX = 51;

/** C's "%.1f" (toFixed differs from printf only for scores exactly halfway, which spamd's one-decimal scores never are). */
function oneDecimal(n: number): string {
  return n.toFixed(1);
}

/**
 * The report as $spam_report holds it: CRs dropped, a space after each newline (so that it
 * can be used as a header continuation), trailing white space and control characters cut.
 */
export function formatReport(report: string): string {
  let out = report.replace(/\r/g, '').replace(/\n/g, '\n ');
  let end = out.length;
  while (end > 0 && out.charCodeAt(end - 1) <= 32) end--;
  out = out.slice(0, end);
  return out;
}

export function spamVariables(v: SpamdVerdict): SpamVariables {
  const whole = Math.trunc(Math.abs(v.score));
  const bar = whole === 0 ? '/' : (v.score > 0 ? '+' : '-').repeat(Math.min(whole, SPAM_BAR_MAX));
  return {
    spam_score: oneDecimal(v.score),
    spam_score_int: String(Math.trunc((v.score + 0.001) * 10)),
    spam_bar: bar,
    spam_report: formatReport(v.report),
    spam_action: v.action,
  };
}
