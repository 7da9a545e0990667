// redis: real redis-server processes on loopback (one plain, also on a Unix
// socket; one with a password; two cluster nodes that split the hash slots),
// seeded with redis-cli and asked through `bin/tern -be`. Debian's Exim is
// built without Redis, so the expected texts follow Exim's redis lookup as
// its documentation and messages describe it: integers read "true"/"false",
// nil is found-but-empty, arrays go one element per line, and deferrals
// carry Exim's messages (which end in a newline).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, ternBin } from '../helpers/tern-daemon.ts';
import { doLookup, quoteForLookup, LookupDefer } from '../../src/lookups/index.ts';
import { redisArguments } from '../../src/lookups/redis.ts';
import { closeRedisConnections, parseReply, redisTimeout } from '../../src/lookups/redis-client.ts';
import { runSuspendable } from '../../src/util/suspend.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const servers: ChildProcess[] = [];
process.on('exit', () => {
  for (const s of servers) s.kill('SIGKILL');
});

interface Redis {
  port: number;
  socket: string;
  cli(...args: string[]): string;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function startRedis(name: string, extra: string[] = [], password?: string, port?: number): Promise<Redis & { proc: ChildProcess }> {
  port ??= await freePort();
  const socket = join(dir, `${name}.sock`);
  const proc = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--unixsocket', socket, '--dir', dir, ...extra,
  ], { stdio: 'ignore' });
  servers.push(proc);
  for (let i = 0; i < 200 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 25));
  const auth = password ? ['-a', password, '--no-auth-warning'] : [];
  return {
    proc,
    port,
    socket,
    cli: (...args) => execFileSync('redis-cli', ['-p', String(port), ...auth, ...args], { encoding: 'utf8', timeout: 10_000 }).trimEnd(),
  };
}

let plain: Redis;
let secured: Redis;
let downPort: number;

before(async () => {
  [plain, secured] = await Promise.all([startRedis('plain'), startRedis('secured', ['--requirepass', 'pw with space'], 'pw with space')]);
  downPort = await freePort();
  plain.cli('SET', 'k', 'v');
  plain.cli('HSET', 'h', 'f1', 'one', 'f2', 'two');
  plain.cli('RPUSH', 'l', 'a', 'b', '', 'c');
  plain.cli('SADD', 's', 'a', 'b');
  plain.cli('SET', 'scan:only', 'x');
  plain.cli('SET', 'ten chars!', '0123456789');
  plain.cli('BITFIELD', 'bf', 'SET', 'i64', '0', '4294967297');
  plain.cli('-n', '1', 'SET', 'k', 'from db 1');
  execFileSync('redis-cli', ['-p', String(plain.port), '-x', 'SET', 'bin'], { input: Buffer.from('before\0after') });
  secured.cli('SET', 'k', 'secret value');
});

after(() => {
  closeRedisConnections();
  for (const s of servers) s.kill();
});

function config(text: string): string {
  return writeFile(dir, `c${Math.random().toString(36).slice(2)}.conf`, text + '\n');
}

/** One tern process expanding each string in turn (connections and results cached between them). */
function be(conf: string, ...exprs: string[]): string {
  return execFileSync(ternBin, ['-C', conf, '-be', ...exprs], { encoding: 'utf8', timeout: 30_000 });
}

const at = (r: Redis | number, db = '', pw = ''): string => `127.0.0.1::${typeof r === 'number' ? r : r.port}/${db}/${pw}`;

test('redis: replies as Exim formats them', () => {
  const conf = config(`redis_servers = ${at(plain)}`);
  const out = be(conf,
    '${lookup redis{GET k}}',
    '${lookup redis{get   k}{found:<$value>}{not found}}',
    '${lookup redis{GET missing}{found:<$value>}{not found}}',
    '${lookup redis{HGET h f2}}',
    '${lookup redis{HGETALL h}}',
    '${lookup redis{LRANGE l 0 -1}}',
    '${lookup redis{LRANGE nolist 0 -1}{found}{not found}}',
    '${lookup redis{EXISTS k}}',
    '${lookup redis{EXISTS nokey}}',
    '${lookup redis{MGET missing k missing k}}',
    '${lookup redis{SCAN 0 MATCH scan:* COUNT 1000}}',
    '${lookup redis{SMISMEMBER s a z}}',
    '${lookup redis{PING}}',
    '${lookup redis{GET bin}}',
    '${lookup redis{STRLEN ${quote_redis:ten chars!}}}',
    '${lookup redis{BITFIELD bf GET i64 0}}',
  );
  assert.equal(out, [
    'v', 'found:<v>', 'found:<>', 'two', 'f1\none\nf2\ntwo', 'a\nb\n\nc', 'not found', 'true', 'false',
    'v\n\nv', // nil elements print nothing, but a newline still comes before each once output has begun
    '0\n\nscan:only', // the cursor, then the nested array's own newline before each of its elements
    '1\n0', 'PONG', 'before', 'true',
    '1', // an integer element prints as C's "%d" of a long long does: its low 32 bits
    '',
  ].join('\n'));
});

test('redis: results are cached per process as Exim caches them; cache=no_rd asks again', () => {
  const conf = config(`redis_servers = ${at(plain)}`);
  const out = be(conf, '${lookup redis{INCR ctr}}', '${lookup redis{INCR ctr}}', '${lookup redis{GET ctr}}');
  assert.equal(out, 'true\ntrue\n1\n');
  assert.equal(be(conf, '${lookup redis,cache=no_rd{INCR ctr}}'), 'true\n');
  assert.equal(plain.cli('GET', 'ctr'), '2');
});

test('redis: quote_redis protects white space and backslashes inside arguments', () => {
  const conf = config(`redis_servers = ${at(plain)}`);
  const out = be(conf,
    '${lookup redis{SET quoted ${quote_redis:two words\\\\and a backslash}}}',
    '${lookup redis{GET quoted}}',
    '${quote_redis:a b\tc\\\\d}',
    '${quote_redis_opt:x}',
  );
  assert.equal(out, ['OK', 'two words\\and a backslash', 'a\\ b\\\tc\\\\d', 'Failed: "opt" unrecognized after "${quote_redis"', ''].join('\n'));
  assert.equal(plain.cli('GET', 'quoted'), 'two words\\and a backslash');
  assert.equal(quoteForLookup('redis', 'plain'), 'plain');
});

test('redis: servers in order, database selection, passwords and Unix sockets', () => {
  const conf = config(`hide redis_servers = ${at(downPort)} : ${at(plain, '1')} : ${at(secured, '', 'pw with space')}`);
  const out = be(conf,
    '${lookup redis{GET k}}',
    `\${lookup redis,servers=127.0.0.1::${secured.port}{GET k}}`,
    `\${lookup redis,servers=(${plain.socket})//{GET k}}`,
    `\${lookup redis{servers=${at(plain)}; GET k}}`,
  );
  assert.equal(out, 'from db 1\nsecret value\nv\nv\n');
});

test('redis: deferrals carry Exim\'s messages', () => {
  const conf = config(`redis_servers = ${at(plain)}`);
  const failed = (query: string, message: string): string => `Failed: lookup of "${query}" gave DEFER: ${message}`;
  assert.equal(be(conf,
    `\${lookup redis,servers=${at(downPort)}{GET k}}`,
    `\${lookup redis,servers=${at(downPort, '2')}{GET k}}`,
    `\${lookup redis,servers=${at(downPort, '', 'pw')}{GET k}}`,
    `\${lookup redis,servers=${at(secured)}{GET k}}`,
    `\${lookup redis,servers=${at(secured, '', 'wrong')}{GET k}}`,
    '${lookup redis{NOSUCHCOMMAND k}}',
    '${lookup redis,servers=nosuch{GET k}}',
    '${lookup redis,servers=host/pw{GET k}}',
    '${lookup redis,servers=a/b/c/d{GET k}}',
    '${lookup redis{servers GET k}}',
    '${lookup redis{servers=x GET k}}',
  ), [
    failed('GET k', 'REDIS: query failed: Connection refused\n'),
    failed('GET k', 'REDIS: Selecting database=2 failed: Connection refused\n'),
    failed('GET k', 'REDIS Authentication failed: Connection refused\n'),
    failed('GET k', 'REDIS: lookup result failed: NOAUTH Authentication required.\n'),
    // As Exim, the AUTH reply is not looked at: the command itself is refused.
    failed('GET k', 'REDIS: lookup result failed: NOAUTH Authentication required.\n'),
    failed('NOSUCHCOMMAND k', 'REDIS: lookup result failed: ERR unknown command \'NOSUCHCOMMAND\', with args beginning with: \'k\' \n'),
    failed('GET k', 'Redis server "nosuch" not found in redis_servers'),
    failed('GET k', 'incomplete Redis server data: host'),
    failed('GET k', 'unexpected slash in Redis server hostname: a/b'),
    failed('servers GET k', 'missing = after "servers" in Redis lookup'),
    failed('servers=x GET k', 'missing ; after "servers=" in Redis lookup'),
    '',
  ].join('\n'));
  assert.equal(be('/dev/null', '${lookup redis{GET k}}'), failed('GET k', 'no Redis servers defined (redis_servers option)') + '\n');
});

test('redis: a cluster node\'s MOVED sends the query on to the next server', async () => {
  const cluster = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'];
  // The cluster bus port would default to the client port + 10000, which may not exist.
  const [busA, busB] = [await freePort(), await freePort()];
  const [a, b] = await Promise.all([
    startRedis('node-a', [...cluster, '--cluster-port', String(busA), '--cluster-config-file', join(dir, 'nodes-a.conf')]),
    startRedis('node-b', [...cluster, '--cluster-port', String(busB), '--cluster-config-file', join(dir, 'nodes-b.conf')]),
  ]);
  a.cli('CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
  b.cli('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
  a.cli('CLUSTER', 'MEET', '127.0.0.1', String(b.port), String(busB));
  for (let i = 0; i < 200 && !(a.cli('CLUSTER', 'INFO').includes('cluster_state:ok') && b.cli('CLUSTER', 'INFO').includes('cluster_state:ok')); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // "k" hashes to slot 7629 (node a), "foo" to slot 12182 (node b).
  assert.equal(a.cli('CLUSTER', 'KEYSLOT', 'foo'), '12182');
  b.cli('SET', 'foo', 'on b');
  const conf = config(`redis_servers = ${at(a)} : ${at(b)}`);
  assert.equal(be(conf, '${lookup redis{GET foo}}'), 'on b\n');
  assert.equal(be(conf, `\${lookup redis,servers=${at(a)}{GET foo}}`),
    `Failed: lookup of "GET foo" gave DEFER: REDIS: lookup result failed: MOVED 12182 127.0.0.1:${b.port}\n\n`);
});

test('redis: query splitting and reply parsing', () => {
  assert.deepEqual(redisArguments('  SET  a\\ b  c\\\\d\\').map(String), ['SET', 'a b', 'c\\d']);
  assert.deepEqual(redisArguments(Array.from({ length: 40 }, (_, i) => `a${i}`).join(' ')).length, 32);
  const reply = parseReply(Buffer.from('*3\r\n$1\r\nx\r\n*2\r\n:5\r\n$-1\r\n+OK\r\n'), 0);
  assert.deepEqual(reply?.reply, {
    type: 'array',
    items: [{ type: 'string', data: Buffer.from('x') }, { type: 'array', items: [{ type: 'integer', value: 5n }, { type: 'nil' }] }, { type: 'status', data: Buffer.from('OK') }],
  });
  assert.equal(parseReply(Buffer.from('$5\r\nab'), 0), null);
});

test('redis in process: a connection lost with its server is made afresh; a reply that never comes times out', async () => {
  const r = await startRedis('restarted');
  r.cli('SET', 'k', 'first');
  const c = ctx({ options: new Map([['redis_servers', at(r)]]) });
  const look = (query: string): Promise<string | undefined> => runSuspendable(c.memo, () => doLookup('redis', query, c)?.value);
  assert.equal(await look('GET k'), 'first');
  r.proc.kill();
  await new Promise((resolve) => r.proc.once('exit', resolve));
  await assert.rejects(look('GET  k'), (e: Error) => e instanceof LookupDefer && /^REDIS: query failed: (Connection refused|Server closed the connection)\n$/.test(e.message));
  const again = await startRedis('restarted', [], undefined, r.port);
  again.cli('SET', 'k', 'second');
  assert.equal(await look('GET   k'), 'second');

  const saved = redisTimeout.ms;
  redisTimeout.ms = 300;
  try {
    // BLPOP on an empty list holds the reply back for two seconds.
    await assert.rejects(look('BLPOP empty 2'), { message: 'REDIS: query failed: Resource temporarily unavailable\n' });
  } finally {
    redisTimeout.ms = saved;
  }
  assert.equal(await look('GET    k'), 'second');
});

test('redis in process: cached results last as long as the expansion context', async () => {
  const look = (c: ReturnType<typeof ctx>, query: string): Promise<string | undefined> =>
    runSuspendable(c.memo, () => doLookup('redis', query, c)?.value);
  const context = (): ReturnType<typeof ctx> => ctx({ options: new Map([['redis_servers', at(plain)]]) });
  plain.cli('SET', 'fresh', 'one');
  const first = context();
  assert.equal(await look(first, 'GET fresh'), 'one');
  plain.cli('SET', 'fresh', 'two');
  assert.equal(await look(first, 'GET fresh'), 'one'); // as within one Exim process
  assert.equal(await look(first, 'GET   fresh'), 'two'); // another query text is another cache entry
  assert.equal(await look(context(), 'GET fresh'), 'two');
});
