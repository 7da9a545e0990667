// IP addresses as host lists, iplsearch and match_ip see them: parsing
// (IPv4 dotted quad, IPv6 with "::" and embedded IPv4), CIDR matching, and
// the key texts of net-/netN- lookups.

/** An address as 32-bit words: one for IPv4, four for IPv6. */
export interface IpAddr {
  v6: boolean;
  words: number[];
}

function parseV4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

function parseV6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i];
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) words.push(all[i] * 65536 + all[i + 1]);
  return words;
}

/** Parse a plain address (no mask). IPv4-mapped IPv6 stays IPv6 here; see normaliseMapped(). */
export function parseIp(s: string): IpAddr | null {
  if (s.includes(':')) {
    const words = parseV6(s);
    return words ? { v6: true, words } : null;
  }
  const v4 = parseV4(s);
  return v4 === null ? null : { v6: false, words: [v4] };
}

/** ::ffff:a.b.c.d is treated as the IPv4 address a.b.c.d when matching. */
export function normaliseMapped(ip: IpAddr): IpAddr {
  if (ip.v6 && ip.words[0] === 0 && ip.words[1] === 0 && ip.words[2] === 0xffff) return { v6: false, words: [ip.words[3]] };
  return ip;
}

/** 4 or 6 for a valid address (optionally with /mask when allowMask), else 0. */
export function ipVersion(s: string, allowMask = false): 0 | 4 | 6 {
  let addr = s;
  if (allowMask) {
    const slash = s.indexOf('/');
    if (slash >= 0) {
      if (!/^\d+$/.test(s.slice(slash + 1))) return 0;
      addr = s.slice(0, slash);
    }
  }
  const ip = parseIp(addr);
  return ip ? (ip.v6 ? 6 : 4) : 0;
}

export interface IpNet {
  ip: IpAddr;
  bits: number;
}

/** Parse "addr" or "addr/bits"; null if not an address. */
export function parseNet(s: string): IpNet | null {
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!ip) return null;
  const max = ip.v6 ? 128 : 32;
  if (slash < 0) return { ip, bits: max };
  const m = s.slice(slash + 1);
  if (!/^\d+$/.test(m)) return null;
  return { ip, bits: Math.min(Number(m), max) };
}

function maskWord(w: number, bits: number): number {
  if (bits >= 32) return w >>> 0;
  if (bits <= 0) return 0;
  return (w & (~0 << (32 - bits))) >>> 0;
}

/** Is ip inside net? Families must agree (mapped IPv4 is normalised first). */
export function ipInNet(ip: IpAddr, net: IpNet): boolean {
  const a = normaliseMapped(ip);
  const n = normaliseMapped(net.ip);
  let bits = net.bits;
  if (n !== net.ip) bits -= 96; // a mapped network ::ffff:a.b.c.d/N
  if (a.v6 !== n.v6) return false;
  for (let i = 0; i < a.words.length; i++) {
    const take = Math.max(0, Math.min(32, bits - i * 32));
    if (maskWord(a.words[i], take) !== maskWord(n.words[i], take)) return false;
  }
  return true;
}

/** Apply a mask, keeping the family. */
export function maskIp(ip: IpAddr, bits: number): IpAddr {
  return { v6: ip.v6, words: ip.words.map((w, i) => maskWord(w, bits - i * 32)) };
}

/**
 * Text of an address as net- lookups use it as key: IPv4 dotted quad; IPv6
 * unabbreviated, lower case, groups joined by `sep` ('.' for most lookups,
 * ':' for iplsearch).
 */
export function ipKeyText(ip: IpAddr, sep: '.' | ':'): string {
  if (!ip.v6) {
    const w = ip.words[0];
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  const groups: string[] = [];
  for (const w of ip.words) groups.push((w >>> 16).toString(16).padStart(4, '0'), (w & 0xffff).toString(16).padStart(4, '0'));
  return groups.join(sep);
}

/** Canonical text (compressed IPv6) for comparisons and messages. */
export function ipToString(ip: IpAddr): string {
  if (!ip.v6) return ipKeyText(ip, '.');
  const g: number[] = [];
  for (const w of ip.words) g.push(w >>> 16, w & 0xffff);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
