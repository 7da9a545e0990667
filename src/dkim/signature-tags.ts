// The tag list of a DKIM-Signature header (RFC 6376 section 3.2): what the
// $dkim_* variables show and mailauth's results do not carry (i=, h=, t=,
// x=, l=, z=). White space inside values is folding and is removed, except
// in z=, whose copied headers are kept as given.

export interface SignatureTags {
  tags: Map<string, string>;
  /** b= without white space, to pair this header with a verifier's result. */
  b: string;
}

export function parseSignatureTags(value: string): SignatureTags {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (!name || tags.has(name)) continue;
    const raw = part.slice(eq + 1);
    tags.set(name, name === 'z' ? raw.trim() : raw.replace(/[ \t\r\n]+/g, ''));
  }
  return { tags, b: tags.get('b') ?? '' };
}

/** The DKIM-Signature headers of a message (raw "Name: value\n" lines), in order, as tag lists. */
export function signatureHeaders(headers: readonly string[]): SignatureTags[] {
  const out: SignatureTags[] = [];
  for (const h of headers) {
    const colon = h.indexOf(':');
    if (colon < 0 || h.slice(0, colon).trim().toLowerCase() !== 'dkim-signature') continue;
    out.push(parseSignatureTags(h.slice(colon + 1)));
  }
  return out;
}

/** DKIM quoted-printable (i=, z=): =XX hex escapes. */
export function decodeDkimQp(s: string): string {
  return s.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
