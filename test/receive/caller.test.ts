import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameFromGecos } from '../../src/receive/caller.ts';
import { configFrom } from '../routers/helpers.ts';
import { tmpDir } from '../config/helpers.ts';

// Expected names checked against exim4 -odq (From: of the spooled message).
test('gecos_pattern / gecos_name pick the name out of the gecos field', () => {
  const plain = configFrom(tmpDir(), '');
  assert.equal(nameFromGecos(plain, '& Smith,Room 7,555', 'jim'), 'Jim Smith,Room 7,555');
  const hpux = configFrom(tmpDir(), 'gecos_pattern = ([^,]*)\ngecos_name = $1\n');
  assert.equal(nameFromGecos(hpux, '& Smith,Room 7,555', 'jim'), 'Jim Smith');
  const captures = configFrom(tmpDir(), 'gecos_pattern = ^(r)(o+)(.*)\ngecos_name = <$2> <$3> $1\n');
  assert.equal(nameFromGecos(captures, 'root', 'root'), '<oo> <t> r');
  // no match: the field unchanged
  assert.equal(nameFromGecos(captures, 'Jim', 'jim'), 'Jim');
});
