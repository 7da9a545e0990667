// json: the key is a list of selectors applied in turn (a number indexes an
// array, anything else names an object member). Strings come back
// de-quoted, integers in decimal, reals as C's "%f", true/false as words,
// null as not found, objects and arrays as JSON text in the layout
// Exim's JSON library prints (", " and ": " separators). A file that does
// not parse makes the lookup fail. Parsed files are cached (file-cache.ts).

import { readFileSync, statSync } from 'node:fs';
import { splitList } from '../lists/split.ts';
import { lookupFile } from './file-cache.ts';
import { openFailed } from './file-errors.ts';
import { registerLookup } from './registry.ts';
import { LookupError, LookupOpenError, type LookupRequest } from './types.ts';

/** A JSON number with its source text, so integers and reals print as Exim prints them. */
class JsonNumber {
  readonly source: string;
  readonly real: boolean;
  constructor(source: string) {
    this.source = source;
    this.real = /[.eE]/.test(source);
  }
}

type Json = string | boolean | null | JsonNumber | Json[] | { [k: string]: Json };

type Loaded = { ok: true; value: Json } | { ok: false; error: string };

function load(file: string): Loaded {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new LookupError(`${file} is not a regular file (json lookup)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof LookupError) throw err;
    throw new LookupOpenError(openFailed(file, 'json search', err));
  }
  try {
    const reviver = (_k: string, v: unknown, c?: { source?: string }): unknown =>
      typeof v === 'number' ? new JsonNumber(c?.source ?? String(v)) : v;
    return { ok: true, value: JSON.parse(text, reviver as (k: string, v: unknown) => unknown) as Json };
  } catch (err) {
    return { ok: false, error: `json error on open: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** C's "%.17g" as the JSON library uses it for reals inside dumped text (with ".0" ensured). */
function realInDump(n: number): string {
  let s = n.toPrecision(17);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(e);
    s = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (s.includes('.')) {
    s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  if (!/[.e]/.test(s)) s += '.0';
  return s;
}

function numberText(n: JsonNumber, inDump: boolean): string {
  if (!n.real) return BigInt(n.source).toString();
  const v = Number(n.source);
  return inDump ? realInDump(v) : v.toFixed(6);
}

function dump(j: Json): string {
  if (j === null) return 'null';
  if (typeof j === 'string') return JSON.stringify(j);
  if (typeof j === 'boolean') return j ? 'true' : 'false';
  if (j instanceof JsonNumber) return numberText(j, true);
  if (Array.isArray(j)) return `[${j.map(dump).join(', ')}]`;
  return `{${Object.entries(j).map(([k, v]) => `${JSON.stringify(k)}: ${dump(v)}`).join(', ')}}`;
}

function select(root: Json, key: string): Json | undefined {
  let j: Json | undefined = root;
  for (const sel of splitList(key)) {
    if (j === undefined || j === null || typeof j !== 'object' || j instanceof JsonNumber) return undefined;
    if (/^\d*$/.test(sel)) {
      if (!Array.isArray(j)) return undefined;
      j = j[Number(sel || '0')];
    } else {
      if (Array.isArray(j) || !Object.hasOwn(j, sel)) return undefined;
      j = j[sel];
    }
  }
  return j;
}

const documents = lookupFile('json', load);

registerLookup({
  name: 'json',
  style: 'single-key',
  find(req: LookupRequest): string | null {
    const loaded = documents.of(req);
    if (!loaded.ok) return null;
    const j = select(loaded.value, req.key);
    if (j === undefined) return null;
    if (j === null) return null; // Exim's JSON lookup yields no data for null: not found
    if (typeof j === 'string') return j;
    if (typeof j === 'boolean') return j ? 'true' : 'false';
    if (j instanceof JsonNumber) return numberText(j, false);
    return dump(j);
  },
});
