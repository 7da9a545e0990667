// Evaluation beyond the recorded cases: taint, variables, headers, lookups
// through a test driver, list items, $value/$item scoping, the async path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  evalCondition, expandString, expandStringAsync, expandStringOrWait, expandStringWithTaint, ExpandError, ForcedFail, registerVariable,
} from '../../src/expand/index.ts';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';
import { registerLookup } from '../../src/lookups/registry.ts';

const tainted = (value: string) => ({ value, tainted: true });
const failMsg = (s: string, ctx: ExpandContext = newContext()): string => {
  try {
    expandString(s, ctx);
  } catch (e) {
    if (e instanceof ExpandError) return e.message;
    throw e;
  }
  assert.fail(`expected ${s} to fail`);
};

// A tiny query-style driver and a single-key driver for tests.
registerLookup({ name: 'testq', style: 'query', find: (r) => (r.key === 'miss' ? null : `Q(${r.key})`) });
registerLookup({ name: 'testk', style: 'single-key', find: (r) => (r.key === 'k1' ? `data for ${r.file}` : null) });

test('taint follows variables into results and out through lookups', () => {
  const ctx = newContext();
  ctx.vars.set('sender_host_name', tainted('evil.example'));
  assert.deepEqual(expandStringWithTaint('x$sender_host_name', ctx), { value: 'xevil.example', tainted: true });
  assert.deepEqual(expandStringWithTaint('${lc:$sender_host_name}', ctx), { value: 'evil.example', tainted: true });
  assert.deepEqual(expandStringWithTaint('${if eq{$sender_host_name}{x}{a}{b}}', ctx), { value: 'b', tainted: false });
  assert.deepEqual(expandStringWithTaint('${lookup testq{$sender_host_name}}', ctx), { value: 'Q(evil.example)', tainted: false });
  assert.deepEqual(expandStringWithTaint('${lookup{k1}testk{/etc/x}{$value}}', ctx), { value: 'data for /etc/x', tainted: false });
  assert.deepEqual(expandStringWithTaint('${if inlist{$sender_host_name}{a:evil.example}{$value}}', ctx), { value: 'evil.example', tainted: false });
  assert.deepEqual(expandStringWithTaint('${map{$sender_host_name}{<$item>}}', ctx), { value: '<evil.example>', tainted: true });
});

test('tainted names are refused for files, commands and re-expansion', () => {
  const ctx = newContext();
  ctx.vars.set('acl_m_f', tainted('/etc/hostname'));
  ctx.vars.set('acl_m_e', tainted('$primary_hostname'));
  assert.match(failMsg('${readfile{$acl_m_f}}', ctx), /^failed to open \/etc\/hostname: Permission denied \(euid=\d+ egid=\d+\)$/);
  assert.equal(failMsg('${lookup{k1}testk{$acl_m_f}}', ctx), '');
  assert.equal(failMsg('${run{$acl_m_f}}', ctx), "couldn't create child process: Operation not permitted");
  assert.equal(failMsg('${expand:$acl_m_e}', ctx), "attempt to expand tainted string '$primary_hostname'");
  // tainted arguments after the command are allowed
  assert.equal(expandString('${run{/bin/echo $acl_m_f}}', ctx), '/etc/hostname\n');
});

test('variables: registry, acl families, numeric captures, $value/$item scoping', () => {
  const ctx = newContext();
  registerVariable('test_computed', () => 'computed!');
  assert.equal(expandString('$test_computed ${test_computed}', ctx), 'computed! computed!');
  assert.equal(failMsg('$no_such_var'), 'unknown variable name "no_such_var"');
  assert.equal(failMsg('${no_such_var}'), 'unknown variable in "${no_such_var}"');
  assert.equal(failMsg('$acl_x'), 'unknown variable name "acl_x" (user-defined ACL variables must start acl_c or acl_m)');
  assert.equal(failMsg('$acl_mx'), 'unknown variable name "acl_mx" (6th character of a user-defined ACL variable must be a digit or underscore)');
  ctx.vars.set('acl_m_x', { value: 'mx', tainted: false });
  assert.equal(expandString('[$acl_m_x][$acl_c9][$acl_m_unset]', ctx), '[mx][][]');
  assert.equal(expandString('${if match{abc}{^a(b)(c)}{$2$1$0}}[$1]', ctx), 'cbabc[]');
  assert.equal(expandString('${extract{a}{a=1}{${extract{b}{b=2}{$value}}$value}}[$value]', ctx), '21[]');
  assert.equal(expandString('${map{a:b}{$item${map{x}{$item}}$item}}[$item]', ctx), 'axa:bxb[]');
  assert.equal(expandString('${if def:acl_m_x{y}{n}}${if def:acl_m_unset{y}{n}}', ctx), 'yn');
  assert.match(expandString('$tod_log', ctx), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(expandString('$tod_full', ctx), /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
  assert.equal(expandString('$exim_version', ctx), '4.99');
});

test('headers: h, bh, rh, lh and def:h_', () => {
  const ctx = newContext({ headers: ['Subject:  Hello there \n', 'To: a@b\n', 'to: c@d\n', 'X-Multi: one\n two\n'] });
  assert.equal(expandString('[$h_subject:]', ctx), '[Hello there]');
  assert.equal(expandString('[$rh_subject:]', ctx), '[  Hello there \n]');
  assert.equal(expandString('[$h_to:]', ctx), '[a@b,\nc@d]');
  assert.equal(expandString('[$lh_to:]', ctx), '[ a@b: c@d]');
  assert.equal(expandString('[$header_x-multi:]', ctx), '[one\n two]');
  assert.equal(expandString('${if def:h_subject:{y}{n}}${if def:h_nope:{y}{n}}', ctx), 'yn');
  assert.equal(expandString('[$h_nope:]', ctx), '[]');
  assert.equal(expandStringWithTaint('$h_subject:', ctx).tainted, true);
});

test('lookups: styles, yes/no, fail, partial matching sets $1 $2', () => {
  const ctx = newContext();
  assert.equal(expandString('${lookup testq{hit}}', ctx), 'Q(hit)');
  assert.equal(expandString('${lookup testq{miss}{y}{n}}', ctx), 'n');
  assert.ok(failMsg('${lookup testq{miss}{y}fail}') === '"lookup" failed and "fail" requested');
  assert.throws(() => expandString('${lookup testq{miss}{y}fail}', ctx), ForcedFail);
  assert.equal(failMsg('${lookup{x}testq{q}}'), 'a single key was given for lookup type "testq", which is not a single-key lookup type');
  assert.equal(failMsg('${lookup testk{q}}'), 'missing {key} for single-key "testk" lookup');
  assert.equal(failMsg('${lookup{a}nosuchtype{/f}}'), 'unknown lookup type "nosuchtype"');
});

test('list items, conditions and evalCondition', () => {
  const ctx = newContext();
  assert.equal(expandString('${sort{c:a:b}{lt}{$item}}', ctx), 'a:b:c');
  assert.equal(expandString('${sort{<; 10;9;100}{<}{$item}}', ctx), '9;10;100');
  assert.equal(expandString('${filter{1:2:3:4}{>{$item}{2}}}', ctx), '3:4');
  assert.equal(expandString('${reduce{1:2:3}{0}{${eval:$value+$item}}}', ctx), '6');
  assert.equal(expandString('${listextract{-1}{a:b:c}}', ctx), 'c');
  assert.equal(expandString('${if forany{a:b}{eq{$item}{b}}}', ctx), 'true');
  assert.equal(evalCondition('eq{a}{a}', ctx), true);
  assert.equal(evalCondition('and{{eq{a}{a}}{!eq{a}{b}}}', ctx), true);
  assert.equal(evalCondition('>{2}{10}', ctx), false);
  assert.throws(() => evalCondition('nosuch{a}', ctx), /unknown condition "nosuch"/);
});

test('readsocket and run wait through the async expander', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-expand-'));
  const sock = path.join(dir, 's');
  const server = net.createServer((c) => {
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('end', () => c.end(`got <${got}>\nline2\n`));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    const ctx = newContext();
    assert.equal(await expandStringAsync(`\${readsocket{${sock}}{hello}}`, ctx), 'got <hello>\nline2\n');
    assert.equal(await expandStringAsync(`\${readsocket{${sock}}{hi}{2s}{|}}`, newContext()), 'got <hi>|line2|');
    assert.equal(await expandStringAsync(`\${readsocket{${dir}/none}{x}{1s}{}{FAILED}}`, newContext()), 'FAILED');
    await assert.rejects(expandStringAsync(`\${readsocket{${dir}/none}{x}}`, newContext()),
      { message: `failed to connect to socket ${dir}/none: No such file or directory` });
    // the synchronous expander refuses clearly rather than blocking
    assert.match(failMsg(`\${readsocket{${sock}}{x}}`), /asynchronous expander/);
    const r = expandStringOrWait('${run{/bin/sh -c "echo out; exit 3"}{y}{n:$runrc:$value}}', newContext());
    assert.ok(r instanceof Promise);
    assert.equal(await r, 'n:3:out\n');
    assert.equal(expandStringOrWait('${lc:NO WAIT}', newContext()), 'no wait');
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
