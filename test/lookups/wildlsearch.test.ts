// wildlsearch / nwildlsearch; expected values recorded from exim4 -be
// (${lookup{123.NUM}nwildlsearch{/f}{<$value>}{nf}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup, setStringExpander } from '../../src/lookups/index.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const w1 = writeFile(
  dir,
  'w1',
  [
    '*.wild.ex: wilddata',
    '^\\d+\\.num$: numdata',
    `lsearch;${writeFile(dir, 'inner', 'x.y: whatever\n')}: nested`,
    '+dl1: named',
    '"^a b$" spaced',
    'Lit.Key litdata',
    '^(?-i)CS$ csdata',
    '@ atdata',
    'first.lit: firstlit',
    '*.lit: starlit',
    '',
  ].join('\n'),
);
const look = (key: string, file = w1, spec = 'nwildlsearch'): string | null => doLookup(spec, key, ctx(), { file })?.value ?? null;

test('nwildlsearch: wildcards, regexes, nested lookups, literals', () => {
  assert.equal(look('x.wild.ex'), 'wilddata');
  assert.equal(look('*.wild.ex'), 'wilddata');
  assert.equal(look('123.num'), 'numdata');
  assert.equal(look('123.NUM'), 'numdata'); // caseless regex
  assert.equal(look('x.y'), 'nested');
  assert.equal(look('+dl1'), 'named'); // no named lists here: literal
  assert.equal(look('a b'), 'spaced');
  assert.equal(look('lit.key'), 'litdata');
  assert.equal(look('CS'), 'csdata');
  assert.equal(look('cs'), null); // (?-i)
  assert.equal(look('@'), 'atdata');
  assert.equal(look('mail.example.com'), null);
  assert.equal(look('neg'), null);
  assert.equal(look('first.lit'), 'firstlit'); // a literal before a matching pattern wins
});

test('nwildlsearch: a negated key matches everything else (a one-item list ending negative)', () => {
  const f = writeFile(dir, 'neg', '!neg: negdata\n*.x: xdata\n');
  assert.equal(look('neg', f), null); // the negated key rejects it and nothing else matches
  assert.equal(look('other', f), 'negdata');
});

test('wildlsearch expands keys through the registered expander', () => {
  const f = writeFile(dir, 'w2', '${dom}: expanded\n\\N^x\\d$\\N: rx\nplain: p\n');
  setStringExpander((text, c) =>
    text.replace(/\$\{?dom\}?/g, c.vars.get('dom')?.value ?? '').replace(/\\N(.*?)\\N/g, '$1'),
  );
  const c = ctx();
  c.vars.set('dom', { value: 'example.org', tainted: false });
  assert.equal(doLookup('wildlsearch', 'EXAMPLE.org', c, { file: f })?.value, 'expanded');
  assert.equal(doLookup('wildlsearch', 'x1', c, { file: f })?.value, 'rx');
  assert.equal(doLookup('wildlsearch', 'plain', c, { file: f })?.value, 'p');
  assert.equal(doLookup('nwildlsearch', 'x1', c, { file: f }), null);
});
