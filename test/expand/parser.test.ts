import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpansion, Parser } from '../../src/expand/parser.ts';
import { expandString, ExpandError } from '../../src/expand/index.ts';
import { newContext } from '../../src/expand/context.ts';

const fail = (s: string): string => {
  try {
    expandString(s, newContext());
  } catch (e) {
    if (e instanceof ExpandError) return e.message;
    throw e;
  }
  assert.fail(`expected ${s} to fail`);
};

test('literal text compiles to itself; a tree is cached once its text comes again', () => {
  const a = compileExpansion('plain text');
  assert.equal(a.literal, true);
  assert.deepEqual(a.seq, [{ k: 'lit', s: 'plain text' }]);
  // the first compile of a text leaves no tree behind; the second is kept
  const a2 = compileExpansion('plain text');
  assert.notEqual(a2, a);
  assert.deepEqual(a2, a);
  assert.equal(compileExpansion('plain text'), a2);
  const b = compileExpansion('x$primary_hostname');
  assert.equal(b.literal, false);
  const b2 = compileExpansion('x$primary_hostname');
  assert.notEqual(b2, b);
  assert.equal(compileExpansion('x$primary_hostname'), b2);
});

test('AST shapes', () => {
  const seq = new Parser('a${lc:B}$h_subject:${if eq{1}{2}{y}fail}').parseAll();
  assert.deepEqual(seq.map((n) => n.k), ['lit', 'op', 'hdr', 'if']);
  const hdr = seq[2];
  assert.ok(hdr.k === 'hdr' && hdr.name === 'subject' && hdr.kind === 'h');
  const iff = seq[3];
  assert.ok(iff.k === 'if' && iff.fail === true && iff.no === undefined);
  const op = new Parser('${substr_-2_1:abc}').parseAll()[0];
  assert.ok(op.k === 'op' && op.base === 'substr' && op.arg === '-2_1');
  const lk = new Parser('${lookup{k}partial2-lsearch*@,ret=key{/f}{$value}}').parseAll()[0];
  assert.ok(lk.k === 'lookup' && lk.spec === 'partial2-lsearch*@,ret=key');
});

test('escapes and \\N', () => {
  const ctx = newContext();
  assert.equal(expandString('a\\tb\\n\\101\\x42\\$\\{\\}\\\\', ctx), 'a\tb\nAB${}\\');
  assert.equal(expandString('\\N$x${y}\\N!', ctx), '$x${y}!');
  assert.equal(expandString('\\N${unterminated', ctx), '${unterminated');
  // octal/hex escapes give bytes; valid UTF-8 sequences become characters
  assert.equal(expandString('caf\\xc3\\xa9', ctx), 'café');
});

test('syntax errors carry Exim messages', () => {
  assert.equal(fail('${'), 'letter or digit expected after ${');
  assert.equal(fail('$'), '$ not followed by letter, digit, or {');
  assert.equal(fail('${lc:x'), 'missing } at end of string');
  assert.equal(fail('${foo'), '"${foo" is not a known operator (or a } is missing in a variable reference)');
  assert.equal(fail('${if eq{a}{b}{y}'), 'syntax error in "if" item - "fail" expected');
  assert.equal(fail('${hash{1}{2}{3}{4}}'), "Too many arguments for 'hash' (max is 3)");
  assert.equal(fail('${if eq{a}}'), 'missing 2nd string in {} after "eq"');
  assert.equal(fail('${if and{eq{a}{a}}{y}}'), 'each subcondition inside an "and{...}" condition must be in its own {}');
});

test('errors come in Exim order: earlier runtime errors beat later syntax errors', () => {
  assert.equal(fail('$nosuch ${'), 'unknown variable name "nosuch"');
  assert.equal(fail('${readfile{/nonexistent/x}}${'), 'failed to open /nonexistent/x: No such file or directory');
  // a top-level item's leading part runs before the syntax error after it
  assert.equal(fail('${extract json{a}{[1]}{x} junk}'), "missing '{' wrapping object for extract json");
});

test('static errors are raised in branches that are skipped', () => {
  assert.equal(fail('${if eq{a}{b}{$nosuch}{n}}'), 'unknown variable name "nosuch"');
  assert.equal(fail('${if eq{a}{b}{${nosuchop:x}}{n}}'), 'unknown expansion operator "nosuchop"');
  assert.equal(fail('${if or{{eq{a}{a}}{zz{a}}}{y}}'), 'unknown condition "zz" inside "or{...}" condition');
  // but runtime-only problems in skipped branches are not
  assert.equal(expandString('${if eq{a}{b}{${readfile{/nonexistent}}}{n}}', newContext()), 'n');
});

test('hostile input: deep nesting and garbage never crash', () => {
  const ctx = newContext();
  assert.equal(expandString('${lc:'.repeat(500) + 'X' + '}'.repeat(500), ctx), 'x');
  assert.equal(fail('${lc:'.repeat(20000) + 'X' + '}'.repeat(20000)), 'expansion nested too deeply');
  assert.equal(fail('${if ' + '{'.repeat(50000)), 'condition name expected, but found "' + '{'.repeat(16) + '"');
  assert.equal(expandString('${if ' + '!'.repeat(100001) + 'eq{a}{a}{y}{n}}', ctx), 'n');
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = '${}\\:!_abcdeifqlN0x9 ,<>=';
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const len = Math.floor(rnd() * 50);
    for (let j = 0; j < len; j++) s += rnd() < 0.1 ? String.fromCharCode(Math.floor(rnd() * 256)) : alphabet[Math.floor(rnd() * alphabet.length)];
    try {
      expandString(s, ctx);
    } catch (e) {
      assert.ok(e instanceof ExpandError, `${JSON.stringify(s)}: ${(e as Error).stack}`);
    }
  }
});

test('a 1 MB string expands', () => {
  const big = 'x'.repeat(1 << 20);
  assert.equal(expandString(big + '${lc:AB}', newContext()).length, (1 << 20) + 2);
});
