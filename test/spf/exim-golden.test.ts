// tern's -bh against Exim 4.98's recorded answers (fixtures/exim-4.98.txt,
// made by record-exim.ts) for the same SPF records, DKIM signatures and
// ACLs: $spf_* texts, results and list keywords, the DKIM ACL runs and
// their variables, the "DKIM:" log lines, DKIM= on the "<=" line.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { makeKeys, runCases, zones, type Keys } from './exim-cases.ts';

let dns: DnsServer;
let keys: Keys;

before(async () => {
  keys = makeKeys();
  dns = await startDnsServer(zones(keys));
});

after(async () => {
  await dns?.stop();
});

test('SPF and DKIM under -bh say what Exim 4.98 says', async () => {
  const main = path.resolve(import.meta.dirname, '../../src/main.ts');
  const got = await runCases([process.execPath, main], keys, { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` });
  const want = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/exim-4.98.txt'), 'latin1');
  assert.equal(got, want);
});
