// Lookup types tern lacks keep Exim's style checks, and passwd answers as
// Exim's does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doLookup, parseLookupSpec } from '../../src/lookups/index.ts';
import { lookupNames } from '../../src/lookups/registry.ts';
import { ctx, tempDir, writeFile } from './helpers.ts';

test('unsupported types parse with their style and fail when run', () => {
  assert.equal(parseLookupSpec('ldap').driver.style, 'query');
  assert.equal(parseLookupSpec('nis').driver.style, 'single-key');
  assert.throws(() => parseLookupSpec('partial-ldap'), { message: '"partial" is not permitted for lookup type "ldap"' });
  assert.throws(() => doLookup('ldap', 'ldap:///x', ctx()), { name: 'LookupError', message: 'lookup type "ldap" is not supported' });
  assert.ok(!lookupNames().includes('ldap'));
});

test('mysql/pgsql without servers defer as Exim does; with servers they are unsupported', () => {
  assert.throws(() => doLookup('mysql', 'select 1', ctx()), {
    name: 'LookupDefer', message: 'no MySQL servers defined (mysql_servers option)',
  });
  assert.throws(() => doLookup('pgsql', 'select 1', ctx()), {
    name: 'LookupDefer', message: 'no PostgreSQL servers defined (pgsql_servers option)',
  });
  const withServers = ctx({ options: new Map([['mysql_servers', 'localhost/db/u/p']]) });
  assert.throws(() => doLookup('mysql', 'select 1', withServers), { message: 'lookup type "mysql" is not supported' });
  assert.throws(() => doLookup('pgsql,servers=h/d/u/p', 'select 1', ctx()), { message: 'lookup type "pgsql" is not supported' });
});

test('passwd: "*:uid:gid:gecos:home:shell" by exact user name', () => {
  const dir = tempDir();
  const saved = process.env.TERN_PASSWD_FILE;
  process.env.TERN_PASSWD_FILE = writeFile(dir, 'passwd', 'root:x:0:0:root:/root:/bin/bash\nbob:x:1000:100:Bob B,,,:/home/bob:/bin/sh\nbad:x:z:1:::\n');
  try {
    assert.equal(doLookup('passwd', 'root', ctx())?.value, '*:0:0:root:/root:/bin/bash');
    assert.equal(doLookup('passwd', 'bob', ctx())?.value, '*:1000:100:Bob B,,,:/home/bob:/bin/sh');
    assert.equal(doLookup('passwd', 'ROOT', ctx()), null);
    assert.equal(doLookup('passwd', '0', ctx()), null);
    assert.equal(doLookup('passwd', 'bad', ctx()), null);
    assert.equal(doLookup('passwd', '', ctx()), null);
  } finally {
    if (saved === undefined) delete process.env.TERN_PASSWD_FILE;
    else process.env.TERN_PASSWD_FILE = saved;
  }
});
