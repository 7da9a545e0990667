// regex = and mime_regex = (section "Scanning with regular expressions"):
// a colon-separated list of PCRE patterns, matched line by line against
// the message (header lines and body, lines of at most 32K), or against
// the decoded MIME part (its first 32K) for mime_regex.

import { compileRegex, RegexError, type CompiledRegex } from '../regex/index.ts';
import { splitList } from '../lists/index.ts';
import { setVar, type Rc, type RunState } from './state.ts';
import { writeLog } from './logging.ts';

const MAX_LINE = 32 * 1024;

/**
 * The patterns of the list, in the order Exim tries them: last to first.
 * "false" and "0" items are no patterns; a pattern that does not compile is
 * logged and skipped (Exim 4.98).
 */
function compileAll(st: RunState, list: string): CompiledRegex[] {
  const out: CompiledRegex[] = [];
  for (const pattern of splitList(list)) {
    if (pattern.toLowerCase() === 'false' || pattern === '0') continue;
    try {
      out.push(compileRegex(pattern));
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      writeLog(st, ['main'], `regex acl condition warning - ${e.message}, skipped`);
    }
  }
  return out.reverse();
}

function setMatch(st: RunState, re: CompiledRegex, caps: (string | undefined)[]): void {
  setVar(st, 'regex_match_string', re.source);
  for (let i = 1; i <= 9; i++) setVar(st, `regex${i}`, caps[i] ?? '', true);
}

function messageLines(st: RunState): string[] {
  const headers = st.actx.headers ?? [];
  const body = st.actx.body;
  const bodyText = body === undefined ? '' : typeof body === 'string' ? body : body.toString('latin1');
  const lines = headers.join('').split('\n');
  lines.push('');
  for (const l of bodyText.split('\n')) lines.push(l.replace(/\r$/, ''));
  return lines.map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l));
}

export function regexCondition(st: RunState, list: string): Rc {
  const res = compileAll(st, list);
  const lines = st.actx.mimePart?.raw !== undefined ? partLines(st.actx.mimePart.raw) : messageLines(st);
  for (const line of lines) {
    for (const re of res) {
      const caps = re.exec(line);
      if (caps) {
        setMatch(st, re, caps);
        return 'OK';
      }
    }
  }
  return 'FAIL';
}

function partLines(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  return text.split('\n').map((l) => l.replace(/\r$/, '').slice(0, MAX_LINE));
}

export function mimeRegexCondition(st: RunState, list: string): Rc {
  const part = st.actx.mimePart;
  if (!part || part.decoded === undefined) {
    st.logMsg = '"mime_regex" ACL condition: MIME decoding is not available in this version of tern yet';
    return 'ERROR';
  }
  const res = compileAll(st, list);
  const data = typeof part.decoded === 'string' ? part.decoded : part.decoded.toString('latin1');
  // Exim reads up to 32766 bytes of the decoded part
  const subject = data.slice(0, MAX_LINE - 2);
  for (const re of res) {
    const caps = re.exec(subject);
    if (caps) {
      setMatch(st, re, caps);
      return 'OK';
    }
  }
  return 'FAIL';
}
