// lmdb: files made by liblmdb's own mdb_load (Debian's lmdb-utils), read
// through `bin/tern -be` and through the lookup API. Debian's Exim is built
// without LMDB, so the expected texts follow Exim's lmdb lookup as the spec
// and its messages describe it (LMDB's own mdb_strerror texts were checked
// with mdb_dump on the same files).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doLookup } from '../../src/lookups/index.ts';
import { LmdbFile } from '../../src/lookups/lmdb-format.ts';
import { ternBin } from '../helpers/tern-daemon.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();

/** A value in mdb_dump's "print" format: printable bytes as they are, others (and backslash) as \xx. */
function printable(b: Buffer): string {
  let out = '';
  for (const c of b) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\${c.toString(16).padStart(2, '0')}`;
  return out;
}

/** Make an LMDB data file (not a directory: -n) from key/value pairs with mdb_load. */
function makeDb(name: string, entries: [Buffer | string, Buffer | string][], header: string[] = []): string {
  const lines = ['VERSION=3', 'format=print', 'type=btree', 'mapsize=268435456', ...header, 'HEADER=END'];
  for (const [k, v] of entries) lines.push(` ${printable(Buffer.from(k))}`, ` ${printable(Buffer.from(v))}`);
  lines.push('DATA=END');
  const dump = writeFile(dir, `${name}.dump`, lines.join('\n') + '\n');
  const db = join(dir, name);
  execFileSync('mdb_load', ['-n', '-f', dump, db]);
  return db;
}

const bigValue = Buffer.alloc(20000, 'x');
bigValue.write('start', 0);
const small = makeDb('small', [
  ['foo', 'bar baz'],
  ['user@example.com', '/home/user'],
  ['k\\x', 'backslash key'],
  ['nul', Buffer.from('before\0after')],
  ['utf8', 'café'],
  ['big', bigValue],
  ['*', 'the default'],
  ['*.example.org', 'wild'],
]);

function be(...exprs: string[]): string {
  return execFileSync(ternBin, ['-C', '/dev/null', '-be', ...exprs], { encoding: 'utf8', timeout: 20_000 });
}

test('lmdb via -be: found, not found, bytes, defaults and partial matching', () => {
  const out = be(
    `\${lookup{foo}lmdb{${small}}}`,
    `\${lookup{user@example.com}lmdb{${small}}{y:$value}{n}}`,
    `\${lookup{nothere}lmdb{${small}}{y:$value}{n}}`,
    `\${lookup{Foo}lmdb{${small}}{y:$value}{n}}`,
    `\${lookup{k\\\\x}lmdb{${small}}}`,
    `\${lookup{nul}lmdb{${small}}}`,
    `\${lookup{utf8}lmdb{${small}}}`,
    `\${strlen:\${lookup{big}lmdb{${small}}}}`,
    `\${lookup{nothere}lmdb*{${small}}}`,
    `\${lookup{a.b.example.org}partial-lmdb{${small}}{$value}{n}}`,
    `\${lookup{foo}lmdb,ret=key{${small}}}`,
    `\${lookup{}lmdb{${small}}{y}{n}}`,
  );
  assert.equal(out, ['bar baz', 'y:/home/user', 'n', 'n', 'backslash key', 'before', 'café', '20000', 'the default', 'wild', 'foo', 'n', ''].join('\n'));
});

test('lmdb via -be: unusable files fail with Exim\'s wording', () => {
  const text = writeFile(dir, 'text', 'this is not an LMDB file, just a line of text that is long enough to hold a meta page header'.repeat(3));
  const empty = writeFile(dir, 'empty', '');
  const subdir = join(dir, 'adir');
  mkdirSync(subdir);
  const out = be(
    `\${lookup{x}lmdb{${dir}/missing}}`,
    `\${lookup{x}lmdb{${text}}}`,
    `\${lookup{x}lmdb{${empty}}}`,
    `\${lookup{x}lmdb{${subdir}}}`,
    `\${lookup{x}lmdb{relative/name}}`,
  );
  assert.equal(out, [
    `Failed: LMDB: Unable to open environment with ${dir}/missing: No such file or directory`,
    `Failed: LMDB: Unable to open environment with ${text}: MDB_INVALID: File is not an LMDB file`,
    `Failed: LMDB: Unable to open environment with ${empty}: Bad file descriptor`,
    `Failed: LMDB: Unable to open environment with ${subdir}: Is a directory`,
    'Failed: LMDB: Unable to open environment with relative/name: No such file or directory',
    '',
  ].join('\n'));
});

test('lmdb: a deep tree with overflow pages, every key found and near misses not', () => {
  const entries: [string, Buffer | string][] = [];
  for (let i = 0; i < 20000; i++) {
    const key = `${String(i).padStart(6, '0')}-${'k'.repeat(i % 97)}`;
    entries.push([key, i % 1000 === 0 ? Buffer.alloc(5000 + i, i % 251) : `value ${i}`]);
  }
  const db = makeDb('deep', entries);
  const stat = execFileSync('mdb_stat', ['-n', db], { encoding: 'utf8' });
  assert.match(stat, /Tree depth: [3-9]/);
  assert.match(stat, /Overflow pages: [1-9]/);
  const file = LmdbFile.open(db);
  try {
    for (const [k, v] of entries) {
      assert.deepEqual(file.get(Buffer.from(k)), Buffer.from(v), k);
      assert.equal(file.get(Buffer.from(`${k}!`)), null);
    }
    assert.equal(file.get(Buffer.from('0')), null);
    assert.equal(file.get(Buffer.from('~')), null);
  } finally {
    file.close();
  }
});

test('lmdb: a database with duplicates gives the first (smallest) value of a key', () => {
  const entries: [string, string][] = [];
  for (let i = 0; i < 40; i++) {
    // Few duplicates live in a page inside the node; many get a sub-database of their own.
    const count = i % 2 ? 3 : 400;
    for (let j = count - 1; j >= 0; j--) entries.push([`key${i}`, `v${i}-${String(j).padStart(4, '0')}`]);
  }
  const db = makeDb('dups', entries, ['dupsort=1']);
  assert.equal(doLookup('lmdb', 'key1', ctx(), { file: db })?.value, 'v1-0000');
  assert.equal(doLookup('lmdb', 'key2', ctx(), { file: db })?.value, 'v2-0000');
  assert.equal(doLookup('lmdb', 'key40', ctx(), { file: db }), null);
});

test('lmdb: reverse-key databases compare keys from their ends', () => {
  const entries: [string, string][] = [];
  for (let i = 0; i < 3000; i++) entries.push([`${i}-${'x'.repeat(i % 50)}-end${i % 7}`, `r${i}`]);
  const db = makeDb('reverse', entries, ['reversekey=1']);
  for (const i of [0, 1, 777, 2999]) assert.equal(doLookup('lmdb', entries[i][0], ctx(), { file: db })?.value, `r${i}`);
  assert.equal(doLookup('lmdb', 'absent-end3', ctx(), { file: db }), null);
});

test('lmdb: results follow changes to the file', async () => {
  const db = makeDb('changing', [['a', 'one']]);
  assert.equal(doLookup('lmdb', 'a', ctx(), { file: db })?.value, 'one');
  assert.equal(doLookup('lmdb', 'b', ctx(), { file: db }), null);
  // mdb_load adds to the existing file (and -T reads plain key/value line pairs).
  writeFileSync(join(dir, 'more'), 'b\ntwo\n');
  execFileSync('mdb_load', ['-n', '-T', '-f', join(dir, 'more'), db]);
  await new Promise((r) => setTimeout(r, 1100)); // the stat staleness bound of the result cache
  assert.equal(doLookup('lmdb', 'b', ctx(), { file: db })?.value, 'two');
});
