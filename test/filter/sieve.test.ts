// The Sieve interpreter on its own: match types and comparators, what a
// script sets up (implicit keep, :copy, duplicates), subaddress parts,
// vacation replies, and errors keeping the message in the inbox.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';
import { sieveMatch } from '../../src/filter/sieve/match.ts';
import { runSieveFilter, type SieveEnv } from '../../src/filter/sieve/run.ts';

function context(headers: string[] = ['Subject: Hello World\n', 'From: Alice <alice@a.example>\n', 'To: user+list@test.example, b@c\n']): ExpandContext {
  const ctx = newContext({ headers });
  const vars: Record<string, string> = {
    local_part: 'user', domain: 'test.example', sender_address: 'alice@a.example', return_path: 'alice@a.example', message_size: '500',
  };
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, { value: v, tainted: false });
  return ctx;
}

function run(script: string, extra: Partial<SieveEnv> = {}, ctx = context()): ReturnType<typeof runSieveFilter> {
  return runSieveFilter(`# Sieve filter\n${script}`, { ctx, inbox: 'inbox', qualify: (lp) => `${lp}@q.example`, ...extra });
}

const paths = (r: Awaited<ReturnType<typeof run>>): string[] =>
  r.deliveries.map((d) => (d.kind === 'file' ? `file:${d.path}` : d.kind === 'address' ? `to:${d.address}` : d.kind));

describe('Sieve matching', () => {
  it(':matches wildcards, with \\ quoting', () => {
    assert.ok(sieveMatch('Hello World', 'h?llo*', ':matches', 'i;ascii-casemap'));
    assert.ok(!sieveMatch('Hello World', 'h?llo*', ':matches', 'i;octet'));
    assert.ok(sieveMatch('a*b', 'a\\*b', ':matches', 'i;octet'));
    assert.ok(!sieveMatch('axb', 'a\\*b', ':matches', 'i;octet'));
    assert.ok(sieveMatch('x'.repeat(200), '*x*x*x*x*x*y*'.replace(/y\*$/, ''), ':matches', 'i;octet'));
  });

  it('i;ascii-numeric compares leading digits; non-numbers are equal to each other', () => {
    assert.ok(sieveMatch('7', '7', ':is', 'i;ascii-numeric'));
    assert.ok(!sieveMatch('007', '7', ':is', 'i;ascii-numeric'));
    assert.ok(sieveMatch('12abc', '12', ':is', 'i;ascii-numeric'));
    assert.ok(sieveMatch('abc', 'xyz', ':is', 'i;ascii-numeric'));
    assert.ok(!sieveMatch('abc', '1', ':is', 'i;ascii-numeric'));
  });
});

describe('Sieve runs', () => {
  it('an empty script keeps the message in the inbox', async () => {
    assert.deepEqual(paths(await run('')), ['file:inbox']);
  });

  it('fileinto and redirect cancel the implicit keep; :copy does not', async () => {
    assert.deepEqual(paths(await run('require "fileinto";\nfileinto "a";\nredirect "x@y.example";')), ['file:a', 'to:x@y.example']);
    assert.deepEqual(paths(await run('require ["fileinto","copy"];\nfileinto :copy "a";')), ['file:a', 'file:inbox']);
  });

  it('the same folder or address is set up once', async () => {
    assert.deepEqual(paths(await run('keep; keep; redirect "x@y.example"; redirect "x@y.example";')), ['file:inbox', 'to:x@y.example']);
  });

  it('discard alone sets up nothing; stop ends the script', async () => {
    assert.deepEqual(paths(await run('discard;')), []);
    assert.deepEqual(paths(await run('stop; discard;')), ['file:inbox']);
  });

  it('an error keeps the message in the inbox, with the error and its line', async () => {
    const r = await run('redirect "x@y.example";\nfoo;');
    assert.deepEqual(paths(r), ['file:inbox']);
    assert.equal(r.message, 'syntax error in line 3');
  });

  it('address parts :user and :detail need "subaddress"; in headers :user is the local part and :detail is absent', async () => {
    const user = await run('require "subaddress";\nif address :user "to" "user+list" { discard; }');
    assert.deepEqual(paths(user), []);
    const detail = await run('require "subaddress";\nif address :detail :matches "to" "*" { discard; }');
    assert.deepEqual(paths(detail), ['file:inbox']);
    const no = await run('if address :detail "to" "list" { discard; }');
    assert.equal(no.message, 'missing previous require "subaddress"; in line 2');
  });

  it('envelope "to" uses sieve_useraddress and sieve_subaddress', async () => {
    const r = await run('require ["envelope","subaddress"];\nif envelope :detail "to" "x" { discard; }', { useraddress: 'user', subaddress: 'x' });
    assert.deepEqual(paths(r), []);
  });

  it('allof and anyof evaluate lazily but still check what they skip', async () => {
    assert.deepEqual(paths(await run('if anyof (true, header :is "subject" "x") { discard; }')), []);
    const bad = await run('if anyof (true, header :is "sub:ject" "x") { discard; }');
    assert.equal(bad.message, 'invalid header field in line 2');
  });

  it('vacation replies to a personal message, once per :days, and needs sieve_vacation_directory', async () => {
    const script = 'require "vacation";\nvacation :days 3 :addresses ["user+list@test.example"] "I am away";';
    const r = await run(script, { vacationDirectory: '/var/vac' });
    const reply = r.deliveries.find((d) => d.kind === 'reply');
    assert.ok(reply && reply.kind === 'reply');
    assert.equal(reply.reply.to, 'alice@a.example');
    assert.equal(reply.reply.onceRepeat, 3 * 86400);
    assert.match(reply.reply.once ?? '', /^\/var\/vac\/[0-9a-f]{32}$/);
    assert.equal(reply.reply.subject, 'Auto: Hello World');
    const bounce = context();
    bounce.vars.set('return_path', { value: '', tainted: false });
    assert.ok(!(await run(script, { vacationDirectory: '/var/vac' }, bounce)).deliveries.some((d) => d.kind === 'reply'));
    assert.equal((await run(script)).message, 'vacation disabled in line 3');
  });

  it('encoded-character decodes ${hex:} and ${unicode:} only once required', async () => {
    const lines: string[] = [];
    await run('require "encoded-character";\nif header :is "subject" "${unicode:48}ello World" { discard; }', { test: { print: (l) => lines.push(l) } });
    assert.deepEqual(lines, ['No implicit keep']);
    const r = await run('if header :is "subject" "${unicode:48}ello World" { discard; }');
    assert.deepEqual(paths(r), ['file:inbox']);
  });
});
