// redis: a query-style lookup sending one command to a Redis server (spec:
// "More about Redis" and the SQL lookups' server lists).
//
// Servers come from ",servers=" after the type, else the redis_servers main
// option (deprecated: "servers=...;" at the start of the query). Each item
// is "host[:port]/[dbnumber]/[password]" or "(/socket/path)/db/password";
// an item without a slash names the redis_servers item with that host. The
// servers are tried in order while they defer with a retryable problem
// (connection trouble, a cluster MOVED); any other outcome ends the lookup.
//
// The query is split on white space into the command's arguments, a
// backslash taking the next character literally (${quote_redis:...} adds
// those backslashes). Replies read as Exim reads them: a string or status
// is itself, an integer is "true" or "false", nil is an empty string that
// counts as found, an array gives its elements one per line (integers in
// decimal; one level of nested arrays), an empty array is "not found", and
// an error reply defers with Exim's message (which ends in a newline).
// Results are cached by query (except nil and errors) for as long as the
// expansion context lasts, as Exim caches them for its process.

import { encodeBytes, decodeBytes } from '../expand/operators/bytes.ts';
import { splitList } from '../expand/list.ts';
import { ExpandError } from '../expand/errors.ts';
import { redisConnection, RedisIoError, type RedisReply, type RedisTarget } from './redis-client.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';
import type { AsyncMemo } from '../util/suspend.ts';

/** Exim sends at most this many arguments; the rest of the query is dropped. */
const MAX_ARGS = 32;

type Outcome =
  | { kind: 'found'; value: string; cache: boolean }
  | { kind: 'not found' }
  /** stop: do not try the remaining servers. */
  | { kind: 'defer'; message: string; stop: boolean };

interface Server {
  /** The item without its password: the connection's identity. */
  id: string;
  target: RedisTarget;
  db?: string;
  password?: string;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** The command's arguments: white space separates, a backslash protects the next byte. */
export function redisArguments(query: string): Buffer[] {
  const bytes = encodeBytes(query);
  const args: Buffer[] = [];
  let p = 0;
  while (p < bytes.length && isSpace(bytes[p])) p++;
  while (p < bytes.length && args.length < MAX_ARGS) {
    const arg: number[] = [];
    for (; p < bytes.length && !isSpace(bytes[p]); p++) {
      if (bytes[p] === 0x5c) {
        // A backslash at the very end protects nothing and is dropped (Exim would read past the string).
        if (p + 1 >= bytes.length) continue;
        p++;
      }
      arg.push(bytes[p]);
    }
    args.push(Buffer.from(arg));
    while (p < bytes.length && isSpace(bytes[p])) p++;
  }
  return args;
}

/** ${quote_redis:...}: a backslash before white space and backslashes; no options. */
export function quoteRedis(s: string, opt?: string): string {
  if (opt !== undefined) throw new ExpandError(`"${opt}" unrecognized after "\${quote_redis"`);
  return s.replace(/[\t\n\v\f\r \\]/g, '\\$&');
}

/** Split a server item; a malformed one defers without trying further servers. */
function parseServer(item: string): Server | Outcome {
  const passwordSlash = item.lastIndexOf('/');
  if (passwordSlash < 0) return { kind: 'defer', message: `incomplete Redis server data: ${item}`, stop: true };
  const id = item.slice(0, passwordSlash);
  const dbSlash = id.lastIndexOf('/');
  if (dbSlash < 0) return { kind: 'defer', message: `incomplete Redis server data: ${id}`, stop: true };
  let host = id.slice(0, dbSlash);
  const db = id.slice(dbSlash + 1);
  const password = item.slice(passwordSlash + 1);
  let socket: string | undefined;
  const paren = host.indexOf('(');
  if (paren >= 0) {
    const close = host.indexOf(')', paren + 1);
    socket = host.slice(paren + 1, close < 0 ? undefined : close);
    host = host.slice(0, paren);
  }
  let port = 6379;
  const colon = host.indexOf(':');
  if (colon >= 0) {
    port = atoi(host.slice(colon + 1));
    host = host.slice(0, colon);
  }
  if (host.includes('/')) return { kind: 'defer', message: `unexpected slash in Redis server hostname: ${host}`, stop: true };
  return {
    id,
    target: socket !== undefined ? { socket } : { host, port },
    db: db === '' ? undefined : db,
    password: password === '' ? undefined : password,
  };
}

/** C's atoi(): leading white space, an optional sign, then digits. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** An integer as C's "%d" prints a long long: only its low 32 bits, signed. */
const int32Text = (v: bigint): string => BigInt.asIntN(32, v).toString();

/** Join an array reply as Exim does: a newline before every element once output has begun. */
function arrayValue(items: readonly RedisReply[]): Buffer | null {
  const out: Buffer[] = [];
  let started = false;
  const add = (item: RedisReply, nested: boolean): void => {
    if (started) out.push(Buffer.from('\n'));
    if (item.type === 'integer') {
      out.push(Buffer.from(int32Text(item.value)));
      started = true;
    } else if (item.type === 'string') {
      out.push(item.data);
      started = true;
    } else if (item.type === 'array' && !nested) {
      for (const inner of item.items) add(inner, true);
    }
  };
  for (const item of items) add(item, false);
  return started ? Buffer.concat(out) : null;
}

/** Exim's result is a C string: it ends at the first NUL. */
function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return decodeBytes(nul < 0 ? data : data.subarray(0, nul));
}

function replyOutcome(reply: RedisReply): Outcome {
  switch (reply.type) {
    case 'error':
      // A cluster node that does not hold the key: move on to the next server.
      return { kind: 'defer', message: `REDIS: lookup result failed: ${reply.text}\n`, stop: !reply.text.startsWith('MOVED') };
    case 'nil':
      return { kind: 'found', value: '', cache: false };
    case 'integer':
      return { kind: 'found', value: reply.value !== 0n ? 'true' : 'false', cache: true };
    case 'string':
    case 'status':
      return { kind: 'found', value: cString(reply.data), cache: true };
    case 'array': {
      const data = arrayValue(reply.items);
      return data === null ? { kind: 'not found' } : { kind: 'found', value: cString(data), cache: true };
    }
  }
}

/** Authenticate, select the database and run the command on one server (as Exim: the first two's replies are not checked). */
async function askServer(server: Server, args: Buffer[]): Promise<Outcome> {
  const conn = redisConnection(server.id, server.target);
  const auth = server.password !== undefined ? conn.command([Buffer.from('AUTH'), encodeBytes(server.password)]) : undefined;
  const select = server.db !== undefined ? conn.command([Buffer.from('SELECT'), encodeBytes(server.db)]) : undefined;
  const query = args.length > 0 ? conn.command(args) : undefined;
  // Every promise gets a handler at once, so a failed connection leaves none unhandled.
  for (const p of [auth, select, query]) p?.catch(() => undefined);
  const ioDefer = (err: unknown, what: string): Outcome => {
    if (!(err instanceof RedisIoError)) throw err;
    return { kind: 'defer', message: `${what}: ${err.message}\n`, stop: false };
  };
  try {
    await auth;
  } catch (err) {
    return ioDefer(err, 'REDIS Authentication failed');
  }
  try {
    await select;
  } catch (err) {
    return ioDefer(err, `REDIS: Selecting database=${server.db} failed`);
  }
  // An empty command would leave hiredis (and so Exim) waiting for ever.
  if (!query) return { kind: 'defer', message: 'REDIS: query failed: empty command\n', stop: true };
  try {
    return replyOutcome(await query);
  } catch (err) {
    return ioDefer(err, 'REDIS: query failed');
  }
}

/** The redis_servers item whose host is name ("name/..."). */
function namedServer(name: string, req: LookupRequest): string | Outcome {
  const list = req.ctx.options?.get('redis_servers') ?? '';
  const hit = splitList(list).items.find((s) => s.startsWith(name) && s[name.length] === '/');
  return hit ?? { kind: 'defer', message: `Redis server "${name}" not found in redis_servers`, stop: false };
}

/** One server's answer (waiting for it through the memo). */
function perform(item: string, args: Buffer[], query: string, req: LookupRequest): Outcome {
  const server = parseServer(item);
  if ('kind' in server) return server;
  return req.ctx.memo.need(`redis\0${item}\0${query}`, () => askServer(server, args));
}

/** Try the servers in order, as Exim's lf_sqlperform(). */
function search(query: string, req: LookupRequest): Outcome {
  let items: string[];
  let fromQuery = false;
  if (query.startsWith('servers')) {
    // Deprecated: "servers=a:b; command".
    let p = 7;
    while (isSpace(query.charCodeAt(p))) p++;
    if (query[p++] !== '=') return { kind: 'defer', message: 'missing = after "servers" in Redis lookup', stop: true };
    while (isSpace(query.charCodeAt(p))) p++;
    const semi = query.indexOf(';', p);
    if (semi < 0) return { kind: 'defer', message: 'missing ; after "servers=" in Redis lookup', stop: true };
    if (semi === p) return { kind: 'defer', message: `"servers=" defines no servers in "${query}"`, stop: true };
    items = splitList(query.slice(p, semi)).items;
    query = query.slice(semi + 1);
    fromQuery = true;
  } else {
    const list = req.options.get('servers') ?? req.ctx.options?.get('redis_servers');
    if (list === undefined) return { kind: 'defer', message: 'no Redis servers defined (redis_servers option)', stop: true };
    items = splitList(list).items;
  }
  const args = redisArguments(query);
  let last: Outcome = { kind: 'defer', message: 'no Redis servers defined (redis_servers option)', stop: true };
  for (const item of items) {
    let server = item;
    if (!item.includes('/')) {
      const named = namedServer(item, req);
      if (typeof named !== 'string') return named;
      server = named;
    }
    // Server data inside a query built from tainted data is itself tainted.
    if (fromQuery && req.queryTainted) return { kind: 'defer', message: `Redis server "${server}" is tainted`, stop: true };
    last = perform(server, args, query, req);
    if (last.kind !== 'defer' || last.stop) return last;
  }
  return last;
}

// ---- the result cache (Exim's search cache) --------------------------------

// Exim caches results for the life of its process, which is one SMTP
// connection, one delivery or one -be run. tern's daemon workers live long,
// so results live as long as the expansion context's memo (the same span,
// and the same span the memo keeps answers for anyway).
let resultsByMemo = new WeakMap<AsyncMemo, Map<string, string | null>>();
const RESULTS_MAX = 10_000;

/** Forget cached results (tests). */
export function clearRedisResults(): void {
  resultsByMemo = new WeakMap();
}

function find(req: LookupRequest): string | null {
  const mode = req.options.get('cache');
  const optionText = [...req.options].map(([k, v]) => `${k}=${v}`).join(',');
  const id = `${req.ctx.options?.get('redis_servers') ?? ''}\0${optionText}\0${req.key}`;
  let results = resultsByMemo.get(req.ctx.memo);
  if (!results) {
    results = new Map();
    resultsByMemo.set(req.ctx.memo, results);
  }
  if (mode !== 'no' && mode !== 'no_rd' && results.has(id)) return results.get(id)!;
  const outcome = search(req.key, req);
  if (outcome.kind === 'defer') throw new LookupDefer(outcome.message);
  const value = outcome.kind === 'found' ? outcome.value : null;
  if ((outcome.kind === 'not found' || outcome.cache) && mode !== 'no' && mode !== 'no_wr') {
    if (results.size >= RESULTS_MAX) results.clear();
    results.set(id, value);
  }
  return value;
}

registerLookup({
  name: 'redis',
  style: 'query',
  find,
  quote: quoteRedis,
});
