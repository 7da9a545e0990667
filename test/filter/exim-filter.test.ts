// The Exim filter interpreter on its own: parsing rules (precedence,
// "if(" without a space, seen/unseen), what a delivery run generates
// (home prepended to "save", "|" for pipes, autoreplies, log files), the
// restrictions a router can impose, and numeric and string conditions.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';
import { expandString } from '../../src/expand/index.ts';
import { parseEximFilter } from '../../src/filter/exim/parse.ts';
import { runEximFilter, type EximFilterEnv } from '../../src/filter/exim/run.ts';
import { FilterSyntaxError } from '../../src/filter/exim/reader.ts';
import { detectFilter } from '../../src/filter/index.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-filter-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function context(headers: string[] = ['Subject: Hello World\n', 'From: Alice <alice@a.example>\n', 'To: user@test.example\n']): ExpandContext {
  const ctx = newContext({ headers, body: 'body text\n' });
  const vars: Record<string, string> = {
    local_part: 'user', domain: 'test.example', home: '/home/user', sender_address: 'alice@a.example',
    return_path: 'alice@a.example', reply_address: 'Alice <alice@a.example>', message_size: '2048',
  };
  for (const [k, v] of Object.entries(vars)) ctx.vars.set(k, { value: v, tainted: false });
  return ctx;
}

function run(text: string, extra: Partial<EximFilterEnv> = {}, ctx = context()): ReturnType<typeof runEximFilter> {
  return runEximFilter(`# Exim filter\n${text}`, { ctx, log: 'skip', qualify: (lp) => `${lp}@qualify.example`, ...extra });
}

describe('Exim filter parsing', () => {
  it('recognises the first line in any case, with or without spaces', () => {
    assert.equal(detectFilter('#exim filter\n'), 'exim');
    assert.equal(detectFilter('  #   EXIM filter <<== keep\n'), 'exim');
    assert.equal(detectFilter('# Sieve filter\n'), 'sieve');
    assert.equal(detectFilter('user@example.com\n'), undefined);
  });

  it('"and" binds tighter than "or"', () => {
    const [c] = parseEximFilter('if a is b or c is d and e is f then finish endif');
    assert.equal(c.kind, 'if');
    const cond = c.kind === 'if' ? c.branches[0].cond : undefined;
    assert.equal(cond?.kind, 'or');
    assert.equal(cond?.kind === 'or' ? cond.right.kind : '', 'and');
  });

  it('accepts "if(" and "elif(" without white space, and negated brackets', async () => {
    const r = await run('if($h_subject: is x) then save /a elif(not ($h_subject: is x)) then save /b endif');
    assert.deepEqual(r.deliveries.map((d) => d.kind === 'file' && d.path), ['/b']);
  });

  it('refuses seen before an "if", and unseen before "add"', () => {
    assert.throws(() => parseEximFilter('seen if a is b then finish endif'), FilterSyntaxError);
    assert.throws(() => parseEximFilter('unseen add 1 to n1'), /found before an "add" command/);
  });

  it('continues a quoted string after a backslash at the end of a line', async () => {
    const lines: string[] = [];
    await run('testprint "one \\\n     two"', { test: { print: (l) => lines.push(l) } });
    assert.equal(lines[0], 'Testprint: one two');
  });
});

describe('Exim filter delivery runs', () => {
  it('prepends $home to a relative save path, unless filter_prepend_home is off', async () => {
    const r1 = await run('save mail/folder 0640');
    assert.deepEqual(r1.deliveries, [{ kind: 'file', path: '/home/user/mail/folder', mode: 0o640, noerror: false }]);
    const r2 = await run('save mail/folder', { prependHome: false });
    assert.equal(r2.deliveries[0].kind === 'file' && r2.deliveries[0].path, 'mail/folder');
  });

  it('qualifies deliver addresses and keeps pipe commands unexpanded behind "|"', async () => {
    const r = await run('if $h_subject: matches "^([A-Za-z]+)" then deliver bob\npipe "/bin/prog $1" endif');
    assert.equal(r.outcome, 'delivered');
    assert.deepEqual(r.deliveries[0], { kind: 'address', address: 'bob@qualify.example', errorsTo: undefined, noerror: false });
    const pipe = r.deliveries[1];
    assert.equal(pipe.kind, 'pipe');
    assert.equal(pipe.kind === 'pipe' && pipe.command, '|/bin/prog $1');
    assert.equal(pipe.kind === 'pipe' && pipe.numeric?.[1], 'Hello');
  });

  it('mail without "to" replies to $reply_address; once_repeat is read as a time', async () => {
    const r = await run('mail subject "got it" text "thanks" once_repeat 2d3h');
    assert.equal(r.outcome, 'not-delivered');
    const d = r.deliveries[0];
    assert.equal(d.kind, 'reply');
    if (d.kind !== 'reply') return;
    assert.equal(d.reply.to, 'Alice <alice@a.example>');
    assert.equal(d.reply.onceRepeat, 2 * 86400 + 3 * 3600);
    const bad = await run('mail text x once_repeat soon');
    assert.equal(bad.outcome, 'error');
    assert.match(bad.message ?? '', /Bad time value for "once_repeat"/);
  });

  it('ignores mail when the return path is empty (a bounce)', async () => {
    const ctx = context();
    ctx.vars.set('return_path', { value: '', tainted: false });
    const r = await run('seen mail text x', {}, ctx);
    assert.equal(r.deliveries.length, 0);
    assert.equal(r.outcome, 'delivered');
  });

  it('writes logwrite lines to the logfile when logging is real, and refuses when forbidden', async () => {
    const log = path.join(tmp, 'filter.log');
    const r = await run(`logfile ${log}\nlogwrite "one"\nlogwrite "two\\n"`, { log: 'write' });
    assert.equal(r.outcome, 'not-delivered');
    assert.equal(fs.readFileSync(log, 'utf8'), 'one\ntwo\n');
    const f = await run(`logfile ${log}\nlogwrite "x"`, { log: 'forbid' });
    assert.equal(f.message, 'logwrite command forbidden');
    const none = await run('logwrite "x"', { log: 'write' });
    assert.match(none.message ?? '', /without a previous "logfile"/);
  });

  it('refuses expansion items the router forbids', async () => {
    const r = await run('testprint "${lookup{a}lsearch{/etc/hosts}}"', { forbid: { lookup: true } });
    assert.equal(r.message, 'failed to expand "${lookup{a}lsearch{/etc/hosts}}" in testprint command: lookup expansions are not permitted');
    const all = { lookup: true, run: true, readfile: true, readsocket: true, dlfunc: true, perl: true, existstest: true };
    const cases: [string, string][] = [
      ['${run{/bin/true}}', 'running a command is not permitted'],
      ['${readfile{/etc/hostname}}', 'file insertions are not permitted'],
      ['${readsocket{/tmp/s}{x}}', 'socket insertions are not permitted'],
      ['${if exists{/etc}{y}{n}}', 'File existence tests are not permitted'],
      ['${stat:/etc}', 'Use of the stat() expansion is not permitted'],
      ['${uc:${if eq{a}{a}{${lookup{a}lsearch{/x}}}}}', 'lookup expansions are not permitted'],
    ];
    for (const [item, message] of cases) {
      const x = await run(`testprint "${item}"`, { forbid: all });
      assert.equal(x.message?.replace(/^.*: /, ''), message, item);
    }
    // Text that only looks like an item is not refused ("\\N" in a quoted filter string is the expander's \N).
    const quoted = await run('testprint "\\\\N${run{x}}\\\\N"', { forbid: all, test: { print: () => undefined } });
    assert.equal(quoted.outcome, 'not-delivered', quoted.message);
  });

  it('compares numbers with K and M suffixes, and rejects malformed ones', async () => {
    assert.equal((await run('if $message_size is above 1k then seen finish endif')).outcome, 'delivered');
    assert.equal((await run('if 0x10 is below 17 then seen finish endif')).outcome, 'delivered');
    const bad = await run('if abc is above 1 then finish endif');
    assert.equal(bad.message, 'malformed numerical string "abc"');
  });

  it('lower-case string tests ignore case, upper-case ones do not', async () => {
    assert.equal((await run('if $h_subject: contains "hello" then seen finish endif')).outcome, 'delivered');
    assert.equal((await run('if $h_subject: CONTAINS "hello" then seen finish endif')).outcome, 'not-delivered');
    assert.equal((await run('if $h_subject: does not BEGIN "Hello" then seen finish endif')).outcome, 'not-delivered');
  });

  it('"personal": addressed to the user in To:, not from a daemon, not a list', async () => {
    assert.equal((await run('if personal then seen finish endif')).outcome, 'delivered');
    const list = context(['To: user@test.example\n', 'List-Id: <x>\n']);
    assert.equal((await run('if personal then seen finish endif', {}, list)).outcome, 'not-delivered');
    const daemon = context(['To: user@test.example\n', 'From: MAILER-DAEMON <daemon@x.example>\n']);
    assert.equal((await run('if personal then seen finish endif', {}, daemon)).outcome, 'not-delivered');
    const alias = context(['To: other@else.example\n']);
    assert.equal((await run('if personal alias other@else.example then seen finish endif', {}, alias)).outcome, 'delivered');
  });

  it('counts with add, and resets $n0..$n9 for each run', async () => {
    const ctx = context();
    const r = await run('add 3 to n2\nadd -1 to n2', {}, ctx);
    assert.equal(r.n[2], 2);
    const lines: string[] = [];
    await run('testprint $n2', { test: { print: (l) => lines.push(l) } }, ctx);
    assert.equal(lines[0], 'Testprint: 0');
  });

  it('$n0..$n9 and $sn0..$sn9 are unknown variables outside a filter, as in Exim', async () => {
    const ctx = context();
    assert.throws(() => expandString('$n0', ctx), /unknown variable name "n0"/);
    const lines: string[] = [];
    await run('add 4 to n0\ntestprint "$n0 $sn5"', { test: { print: (l) => lines.push(l) } }, ctx);
    assert.equal(lines[1], 'Testprint: 4 0');
    assert.throws(() => expandString('$sn5', ctx), /unknown variable name "sn5"/);
  });

  it('fail, freeze and defer need the router to allow them', async () => {
    assert.match((await run('fail text "no"')).message ?? '', /filtering command "fail" is disabled/);
    const r = await run('fail text "no"', { allowFail: true });
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'no');
  });
});
