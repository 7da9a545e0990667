// spf_smtp_comment_template after Exim's own expansion: the SPF macro
// language of RFC 7208 section 7 (what libspf2 applies to it). %_ is a
// space, %- an encoded space, %% a percent sign, and %{x} a macro letter;
// an upper-case letter is URL-encoded. Digit and delimiter transformers
// are accepted and ignored (the template is free text, not a domain name).

export interface SpfMacroValues {
  sender: string;
  ip: string;
  helo: string;
  receiver: string;
  /** Seconds since the epoch, for %{t}. */
  now: number;
}

function macroValue(letter: string, v: SpfMacroValues): string {
  const at = v.sender.lastIndexOf('@');
  const isV6 = v.ip.includes(':');
  switch (letter) {
    case 's': return v.sender;
    case 'l': return at < 0 ? 'postmaster' : v.sender.slice(0, at);
    case 'o': case 'd': return at < 0 ? v.sender : v.sender.slice(at + 1);
    case 'i': case 'c': return v.ip;
    case 'h': return v.helo;
    case 'v': return isV6 ? 'ip6' : 'in-addr';
    case 'r': return v.receiver;
    case 't': return String(v.now);
    case 'p': return 'unknown';
    default: return '';
  }
}

export function expandSpfTemplate(template: string, v: SpfMacroValues): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '%' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[++i];
    if (next === '%') out += '%';
    else if (next === '_') out += ' ';
    else if (next === '-') out += '%20';
    else if (next === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) {
        out += '%{' + template.slice(i + 1);
        break;
      }
      const letter = template[i + 1] ?? '';
      const value = macroValue(letter.toLowerCase(), v);
      out += letter !== letter.toLowerCase() ? encodeURIComponent(value) : value;
      i = end;
    } else out += '%' + next;
  }
  return out;
}
