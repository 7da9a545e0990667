// RFC 2822 address extraction as Exim's parser does it (parse.c): a mailbox
// as found in a header line ("Name <a@b>", "a@b (comment)", "<@route:a@b>",
// group syntax "grp: a@b, c@d;") reduced to its working address. Quoted
// local parts keep their quotes; comments and white space are dropped.
// Non-ASCII characters are ordinary atom characters (SMTPUTF8).

/** Result of extracting one address. */
export interface ParsedAddress {
  /** The working address, e.g. `"a b"@example.com` or a bare local part. */
  address: string;
  /** Index in `address` where the domain starts (after the @); 0 when there is no domain. */
  domainStart: number;
}

/** Where the working address (with any route) starts and ends in the text parsed: a rewrite replaces just that. */
export interface AddressSpan {
  start: number;
  end: number;
}

export interface ParseFailure {
  error: string;
}

/** Group-syntax state carried from one address of a list to the next. */
export interface GroupState {
  allowGroup: boolean;
  foundGroup: boolean;
}

const ADDRESS_MAX_LENGTH = 255;

class AddressParser {
  readonly s: string;
  pos = 0;
  lastCommentPosition = 0;
  error: string | undefined;

  constructor(s: string) {
    this.s = s;
  }

  ch(at = this.pos): string {
    return at < this.s.length ? this.s[at] : '';
  }

  /** Skip white space and (nested) comments; remember where they began. */
  skipComment(): void {
    this.lastCommentPosition = this.pos;
    const s = this.s;
    while (this.pos < s.length) {
      while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
      if (s[this.pos] !== '(') break;
      let level = 1;
      while (++this.pos < s.length) {
        const c = s[this.pos];
        if (c === '(') level++;
        else if (c === ')') {
          if (--level <= 0) {
            this.pos++;
            break;
          }
        } else if (c === '\\' && this.pos + 1 < s.length) this.pos++;
      }
    }
  }

  /** Dot-separated words (atoms or quoted strings); returns their text. */
  readLocalPart(allowNull: boolean): string {
    let t = '';
    this.error = undefined;
    for (;;) {
      this.skipComment();
      if (this.ch() === '"') {
        t += '"';
        while (++this.pos < this.s.length && this.s[this.pos] !== '"') {
          const c = this.s[this.pos];
          t += c;
          if (c === '\\' && this.pos + 1 < this.s.length) t += this.s[++this.pos];
        }
        if (this.pos < this.s.length) {
          this.pos++;
          t += '"';
        } else {
          this.error = 'unmatched doublequote in local part';
          return t;
        }
      } else {
        while (this.pos < this.s.length && (!isSpecial(this.s.charCodeAt(this.pos)) || this.s[this.pos] === '\\')) {
          const c = this.s[this.pos++];
          t += c;
          if (c === '\\' && this.pos < this.s.length) t += this.s[this.pos++];
        }
      }
      this.skipComment();
      if (t === '' && !allowNull && this.ch() !== '.') {
        this.error = 'missing or malformed local part';
        return t;
      }
      if (this.ch() !== '.') return t;
      t += '.';
      this.pos++;
    }
  }

  /** A domain: a literal in [] or dot-separated labels; comments allowed around the parts. */
  readDomain(): string {
    this.skipComment();
    const s = this.s;
    if (this.ch() === '[') {
      let t = '[';
      this.pos++;
      while (this.pos < s.length && s[this.pos] !== ']' && s[this.pos] !== '[' && s[this.pos] !== '\\') t += s[this.pos++];
      if (this.ch() !== ']') {
        this.error = 'malformed domain literal';
        return '';
      }
      this.pos++;
      this.skipComment();
      return t + ']';
    }
    let t = '';
    for (;;) {
      this.skipComment();
      const start = this.pos;
      if (!isAlnum(s.charCodeAt(this.pos))) {
        this.error = 'domain missing or malformed';
        return '';
      }
      while (this.pos < s.length && (isAlnum(s.charCodeAt(this.pos)) || s[this.pos] === '-')) this.pos++;
      t += s.slice(start, this.pos);
      this.skipComment();
      if (this.ch() !== '.') return t;
      t += '.';
      this.pos++;
    }
  }

  /** A source route "@d1,@d2:" (discarded). */
  readRoute(): void {
    let commas = false;
    while (this.ch() === '@') {
      this.pos++;
      this.readDomain();
      if (this.error) return;
      if (this.ch() !== ',') break;
      this.pos++;
      commas = true;
    }
    if (this.ch() === ':') this.pos++;
    // Exim 4.98's wording (exim4 -brw "@a.b", "@a,@b")
    else this.error = commas ? 'colon expected after route list' : 'no local part';
  }

  /** local-part@domain up to `term` ('' for the end); returns the address and where its domain starts. */
  readAddrSpec(term: string): ParsedAddress | undefined {
    const local = this.readLocalPart(false);
    if (this.error) return undefined;
    if (this.ch() === term) return { address: local, domainStart: 0 };
    if (this.ch() !== '@') {
      this.error = `"@" or "." expected after "${local}"`;
      return undefined;
    }
    this.pos++;
    const domain = this.readDomain();
    if (this.error) return undefined;
    return { address: `${local}@${domain}`, domainStart: local.length + 1 };
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

// Characters that end an atom: controls, space and RFC 822's specials.
function isSpecial(c: number): boolean {
  if (c <= 0x20 || c === 0x7f) return true;
  switch (c) {
    case 0x28: case 0x29: case 0x3c: case 0x3e: case 0x40: case 0x2c: case 0x3b: case 0x3a:
    case 0x5c: case 0x22: case 0x2e: case 0x5b: case 0x5d:
      return true;
    default:
      return false;
  }
}

/**
 * Extract the working address from one RFC 2822 mailbox (Exim's
 * parse_extract_address). `allowNull` accepts "<>" (as an empty address).
 * `group` enables "name: addr" group syntax and is updated for the next item.
 */
export function extractAddress(text: string, allowNull = false, group?: GroupState): ParsedAddress | ParseFailure {
  const r = extractAddressWithSpan(text, allowNull, group);
  return 'error' in r ? r : { address: r.address, domainStart: r.domainStart };
}

/** extractAddress, also saying where in `text` the working address lies. */
export function extractAddressWithSpan(text: string, allowNull = false, group?: GroupState): (ParsedAddress & AddressSpan) | ParseFailure {
  const p = new AddressParser(text);
  const fail = (error: string): ParseFailure => {
    if (group && group.foundGroup && p.ch() === ';') {
      group.foundGroup = false;
      group.allowGroup = true;
    }
    return { error };
  };
  let result: ParsedAddress & Partial<AddressSpan>;
  let startPos: number;
  for (;;) {
    p.skipComment();
    startPos = p.pos;
    const first = p.readLocalPart(true);
    if (p.error) return fail(p.error);
    const c = p.ch();
    if (c !== '@' && c !== '<') {
      if (c === '' || c === ';') {
        if (first === '') return fail('empty address');
        result = { address: first, domainStart: 0 };
        break;
      }
      // a phrase before <route-addr>, or a group name before ':'
      while (p.ch() !== '<' && !(group?.allowGroup && p.ch() === ':')) {
        p.readLocalPart(false);
        if (p.error) return fail(`${p.error} (expected word or "<")`);
      }
      if (p.ch() === ':') {
        group!.foundGroup = true;
        group!.allowGroup = false;
        p.pos++;
        continue;
      }
    }
    if (p.ch() === '<') {
      p.pos++;
      p.skipComment();
      const innerStart = p.pos;
      let routed = false;
      if (p.ch() === '@') {
        p.readRoute();
        if (p.error) return fail(p.error);
        routed = true;
      }
      if (allowNull && !routed && p.ch() === '>') {
        result = { address: '', domainStart: 0 };
      } else {
        const spec = p.readAddrSpec('>');
        if (!spec) return fail(p.error!);
        if (routed && spec.domainStart === 0) return fail('domain missing in source-routed address');
        result = spec;
      }
      result.start = innerStart;
      result.end = p.lastCommentPosition < p.pos && p.lastCommentPosition >= innerStart ? p.lastCommentPosition : p.pos;
      if (p.ch() !== '>') {
        return fail(p.pos >= text.length
          ? "'>' missing at end of address"
          : `malformed address: ${text.slice(p.pos, p.pos + 32)} may not follow ${text.slice(0, p.pos)}`);
      }
      p.pos++;
      p.skipComment();
    } else {
      p.pos = startPos;
      // a bare source route "@a,@b:x@y", as Exim takes it
      const routed = p.ch() === '@';
      if (routed) {
        p.readRoute();
        if (p.error) return fail(p.error);
        p.skipComment();
      }
      const spec = p.readAddrSpec('');
      if (!spec) return fail(p.error!);
      if (routed && spec.domainStart === 0) return fail('domain missing in source-routed address');
      result = { ...spec, start: startPos, end: p.lastCommentPosition < p.pos && p.lastCommentPosition >= startPos ? p.lastCommentPosition : p.pos };
    }
    break;
  }
  if (p.pos < text.length) {
    if (group && group.foundGroup && p.ch() === ';') {
      group.foundGroup = false;
      group.allowGroup = true;
    } else {
      return fail(`malformed address: ${text.slice(p.pos, p.pos + 32)} may not follow ${text.slice(0, p.pos)}`);
    }
  }
  if (result.address.length > ADDRESS_MAX_LENGTH) {
    return fail(`address is ridiculously long: ${result.address.slice(0, 64)}...`);
  }
  return { ...result, start: result.start ?? startPos, end: result.end ?? Math.min(p.lastCommentPosition, p.pos) };
}

/**
 * Where the address starting at `start` ends: at a comma outside quotes,
 * comments and angle brackets (or at a newline when `newlineEnds`).
 */
export function findAddressEnd(s: string, start = 0, newlineEnds = false): number {
  let i = start;
  let sourceRouting = s[i] === '@';
  let noTerm = sourceRouting ? 1 : 0;
  const n = s.length;
  while (i < n && (s[i] !== ',' || noTerm > 0) && (s[i] !== '\n' || !newlineEnds)) {
    const c = s[i];
    if (c === '\\' && i + 1 < n) {
      i += 2;
    } else if (c === '"') {
      while (++i < n && (s[i] !== '\n' || !newlineEnds)) {
        if (s[i] === '\\' && i + 1 < n) i++;
        else if (s[i] === '"') { i++; break; }
      }
    } else if (c === '(') {
      let level = 1;
      while (++i < n && (s[i] !== '\n' || !newlineEnds)) {
        if (s[i] === '\\' && i + 1 < n) i++;
        else if (s[i] === '(') level++;
        else if (s[i] === ')' && --level <= 0) { i++; break; }
      }
    } else {
      if (c === '<') {
        sourceRouting = s[i + 1] === '@';
        noTerm = sourceRouting ? 2 : 1;
      } else if (c === '>') {
        noTerm--;
      } else if (sourceRouting && c === ':') {
        noTerm--;
      }
      i++;
    }
  }
  return i;
}

/** The working addresses of a header-style address list (group syntax allowed); bad items are skipped. */
export function extractAddressList(text: string): string[] {
  const out: string[] = [];
  const group: GroupState = { allowGroup: true, foundGroup: false };
  let pos = 0;
  for (;;) {
    const end = findAddressEnd(text, pos);
    const parsed = extractAddress(text.slice(pos, end), false, group);
    if (!('error' in parsed)) out.push(parsed.address);
    if (end >= text.length) break;
    pos = end + 1;
  }
  return out;
}

function extractOrEmpty(text: string): ParsedAddress | undefined {
  const r = extractAddress(text);
  return 'error' in r ? undefined : r;
}

/** ${address:..} */
export function addressOperator(text: string): string {
  return extractOrEmpty(text)?.address ?? '';
}

/** ${local_part:..} */
export function localPartOperator(text: string): string {
  const r = extractOrEmpty(text);
  if (!r) return '';
  return r.domainStart > 0 ? r.address.slice(0, r.domainStart - 1) : r.address;
}

/** ${domain:..} */
export function domainOperator(text: string): string {
  const r = extractOrEmpty(text);
  return r && r.domainStart > 0 ? r.address.slice(r.domainStart) : '';
}
