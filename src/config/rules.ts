// Retry rules (spec "Retry configuration") and rewrite rules (spec "Address
// rewriting"), parsed one logical line each, with Exim's error texts.

import { ConfigError } from './errors.ts';
import type { LogicalLine } from './source.ts';
import type { RetryRule, RewriteRule } from './types.ts';
import { readStringValue, readTime } from './values.ts';

/** White-space separated fields; a field may be "quoted" (with escapes) to hold spaces. */
function fields(text: string): { items: string[]; rest: (i: number) => string } {
  const items: string[] = [];
  const starts: number[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    starts.push(i);
    let j = i;
    // A field is a run of non-space characters, where a quoted part may hold spaces.
    while (j < text.length && !/\s/.test(text[j])) {
      if (text[j] === '"') {
        j++;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      }
      j++;
    }
    items.push(text.slice(i, j));
    i = j;
  }
  return { items, rest: (n) => (n < starts.length ? text.slice(starts[n]) : '') };
}

function unquote(s: string): string {
  if (s.startsWith('"')) return readStringValue(s, 'retry rule');
  const q = s.indexOf('="');
  return q >= 0 ? s.slice(0, q + 1) + readStringValue(s.slice(q + 1), 'retry rule') : s;
}

const RETRY_ERROR = /^(\*|auth_failed|lookup|lost_connection|tls_required|refused(_MX|_A)?|timeout(_connect)?(_MX|_A)?|quota(_\w+)?|(data|mail|rcpt)_4\w*)$/;

function checkRetryError(e: string, err: (m: string) => ConfigError): void {
  const four = /^(data|mail|rcpt)_4(.*)$/.exec(e);
  if (four && !/^(xx|\dx|\d\d)$/.test(four[2])) {
    throw err(`${four[1]}_4 must be followed by xx, dx, or dd, where x is literal and d is any digit`);
  }
  const quota = /^quota_(.*)$/.exec(e);
  if (quota && readTime(quota[1]) < 0) throw err(`bad time value in "${e}"`);
  if (!RETRY_ERROR.test(e)) throw err(`unknown or malformed retry error "${e}"`);
}

export function parseRetryRule(ln: LogicalLine): RetryRule {
  const err = (m: string) => new ConfigError(m, ln.file, ln.line);
  const f = fields(ln.text);
  if (f.items.length < 2) throw err('missing error type in retry rule');
  const pattern = unquote(f.items[0]);
  const error = f.items[1];
  checkRetryError(error, err);
  let next = 2;
  let senders: string | undefined;
  if (f.items[2]?.startsWith('senders=')) {
    senders = unquote(f.items[2]).slice('senders='.length);
    next = 3;
  }
  const rules: RetryRule['rules'] = [];
  const params = f.rest(next).trim();
  if (params !== '') {
    for (const set of params.split(';')) {
      const parts = set.split(',').map((p) => p.trim());
      const letter = parts[0];
      if (letter !== 'F' && letter !== 'G' && letter !== 'H') throw err('unknown retry rule letter');
      const need = letter === 'F' ? 3 : 4;
      if (parts.length < need) throw err('comma expected');
      const cutoff = readTime(parts[1]);
      const interval = readTime(parts[2]);
      const factor = letter === 'F' ? 0 : Number(parts[3]);
      if (cutoff < 0 || interval < 0 || Number.isNaN(factor) || parts.length > need) throw err('bad parameters for retry rule');
      rules.push({ algorithm: letter, cutoff, params: letter === 'F' ? [interval] : [interval, factor] });
    }
  }
  return { pattern, error, senders, rules, file: ln.file, line: ln.line };
}

const REWRITE_FLAGS = /^[EFTbcfhrstSQqRw]$/;

export function parseRewriteRule(ln: LogicalLine): RewriteRule {
  const err = (m: string) => new ConfigError(m, ln.file, ln.line);
  const f = fields(ln.text);
  const pattern = f.items[0].startsWith('"') ? readStringValue(f.items[0], 'rewrite') : f.items[0];
  if (f.items.length < 2) throw err('missing rewrite replacement string');
  const replacement = f.items[1].startsWith('"') ? readStringValue(f.items[1], 'rewrite') : f.items[1];
  const flags = f.items.slice(2).join('');
  for (const c of flags) {
    if (!REWRITE_FLAGS.test(c)) throw err(`unknown rewrite flag character '${c}' (could be missing quotes round replacement item)`);
  }
  // an S rule matches raw command data, which only a regular expression can (exim4 4.98 accepts "^..." and "\N^...")
  if (flags.includes('S') && !/^(?:\\N)?\^/.test(pattern)) throw err('rewrite rule has the S flag but is not a regular expression');
  return { pattern, replacement, flags, file: ln.file, line: ln.line };
}
