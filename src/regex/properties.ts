// \p{..} and \P{..}: Unicode properties in PCRE2's non-UTF mode, where each
// byte stands for the code point of the same value (U+0000..U+00FF). A
// property is therefore a set of bytes, computed once per name by asking
// JavaScript's own Unicode tables about those 256 code points. Names are
// matched loosely as PCRE2 10.40+ does (case, spaces, '_' and '-' ignored).

import { ByteSet } from './byteset.ts';

const cache = new Map<string, ByteSet | null>();

function fromJs(property: string): ByteSet | null {
  let re: RegExp;
  try {
    re = new RegExp(`^\\p{${property}}$`, 'u');
  } catch {
    return null;
  }
  const set = new ByteSet();
  for (let c = 0; c < 256; c++) if (re.test(String.fromCharCode(c))) set.add(c);
  return set;
}

/** "old italic" -> "Old_Italic": the spelling JavaScript wants for most values. */
function titleCase(loose: string): string {
  return loose.charAt(0).toUpperCase() + loose.slice(1);
}

function special(loose: string): ByteSet | null {
  const cat = (c: string): ByteSet => fromJs(`General_Category=${c}`)!;
  switch (loose) {
    case 'any': return ByteSet.all();
    case 'l&': case 'lc': return cat('Lu').addSet(cat('Ll')).addSet(cat('Lt'));
    case 'xan': return cat('L').addSet(cat('N'));
    case 'xwd': return cat('L').addSet(cat('N')).add(0x5f);
    case 'xps': case 'xsp': return cat('Z').addRange(0x09, 0x0d);
    case 'xuc': return ByteSet.of(0x24, 0x40, 0x60).addRange(0xa0, 0xff);
    default: return null;
  }
}

function lookup(loose: string): ByteSet | null {
  const fixed = special(loose);
  if (fixed) return fixed;
  // General categories: "L", "Lu", ...
  if (/^[a-z]{1,2}$/.test(loose)) {
    const name = loose.length === 1 ? loose.toUpperCase() : loose[0].toUpperCase() + loose[1];
    const set = fromJs(`General_Category=${name}`);
    if (set) return set;
  }
  // Scripts, with or without "sc:"/"script:" (or "scx:") in front; then binary properties.
  const m = /^(sc|script|scx|scriptextensions)[:=](.+)$/.exec(loose);
  if (m) return fromJs(`${m[1].startsWith('scx') || m[1] === 'scriptextensions' ? 'Script_Extensions' : 'Script'}=${titleCase(m[2])}`);
  return fromJs(`Script=${titleCase(loose)}`) ?? fromJs(titleCase(loose));
}

/** The bytes a property name stands for, or null when PCRE2 would not know the name. */
export function propertySet(name: string): ByteSet | null {
  const loose = name.replace(/[\s_-]/g, '').toLowerCase();
  if (loose === '') return null;
  let hit = cache.get(loose);
  if (hit === undefined) {
    hit = lookup(loose);
    cache.set(loose, hit);
  }
  return hit;
}
