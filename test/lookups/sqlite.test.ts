// sqlite lookups; expected output recorded from exim4 -be
// (${lookup sqlite,file=/db{select home,name from t where id='userx'}} etc.).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { doLookup, quoteForLookup } from '../../src/lookups/index.ts';
import { ctx, tempDir } from './helpers.ts';

const dir = tempDir();
const db = `${dir}/t.db`;
const setup = new DatabaseSync(db);
setup.exec(`create table t(id text, name text, home text, n integer, r real, b blob);
insert into t values('userx','Mister X','/home/x',42,1.5,x'4142'),('usery','',null,7,2.0,null),('q','a"b\\c','t	ab',0,0.1,null);`);
setup.close();

const q = (query: string, spec = `sqlite,file=${db}`, c = ctx()): string | null => doLookup(spec, query, c)?.value ?? null;

test('sqlite: result layout', () => {
  assert.equal(q("select name from t where id='userx'"), 'Mister X');
  assert.equal(q("select home,name from t where id='userx'"), 'home=/home/x name="Mister X" ');
  assert.equal(q("select home,name,n,r,b from t where id='usery'"), 'home=<NULL> name="" n=7 r=2.0 b=<NULL> ');
  assert.equal(q("select home from t where id='usery'"), '<NULL>');
  assert.equal(q("select name,home from t where id='q'"), 'name=a"b\\c home="t\tab" ');
  assert.equal(q('select n from t'), '42\n7\n0');
  assert.equal(q("select r,b from t where id='userx'"), 'r=1.5 b=AB ');
  assert.equal(q("select n from t where id='none'"), null);
  assert.equal(q('select bad syntax'), null);
});

test('sqlite: where the file comes from', () => {
  assert.equal(q(`${db} select n from t where id='userx'`, 'sqlite'), '42');
  const c = ctx({ options: new Map([['sqlite_dbfile', db]]) });
  assert.equal(q("select n from t where id='usery'", 'sqlite', c), '7');
  assert.throws(() => q('select 1', 'sqlite,file=relative'), { message: 'absolute file name expected for "sqlite" lookup' });
  assert.throws(() => q('select 1', 'sqlite'), { message: 'absolute file name expected for "sqlite" lookup' });
});

test('sqlite: results follow changes to the database', async () => {
  const query = "select name from t where id='userx'";
  assert.equal(q(query), 'Mister X');
  const w = new DatabaseSync(db);
  w.exec("update t set name='Changed' where id='userx'");
  w.close();
  await new Promise((r) => setTimeout(r, 1100)); // the stat staleness bound
  assert.equal(q(query), 'Changed');
  assert.equal(q(query, `sqlite,file=${db},cache=no`), 'Changed');
});

test('quote_sqlite doubles single quotes; single-key types do not quote', () => {
  assert.equal(quoteForLookup('sqlite', `it's "x"`), `it''s "x"`);
  assert.equal(quoteForLookup('lsearch', 'a:b'), 'a:b');
  assert.throws(() => quoteForLookup('foo', 'x'), { message: 'unknown lookup type "foo"' });
});
