// dns:fail from dnsdb lookups in an SMTP session, against a real BIND:
// "DNS_NOMATCH:<name>:<type>" for a name that does not exist (the form
// exim4 4.98 -bh gives), DNS_NODATA for a name without that record type.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dns: DnsServer;

before(async () => {
  dns = await startDnsServer([{ name: 'example.test', records: ['mail A 192.0.2.25'] }]);
});
after(async () => {
  await dns?.stop();
});

test('dns:fail: NOMATCH and NODATA from dnsdb, once per failing lookup', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-dnsfail-'));
  try {
    const conf = path.join(dir, 'configure');
    fs.writeFileSync(conf, [
      `spool_directory = ${dir}/spool`, 'event_action = ${acl {ev}}', 'acl_smtp_mail = m', 'begin acl',
      'ev:', '  accept logwrite = EVENT <$event_name> <$event_data>',
      'm:', '  warn logwrite = R1 ${lookup dnsdb{a=nothere.example.test}{$value}{none}}',
      '  warn logwrite = R2 ${lookup dnsdb{txt=mail.example.test}{$value}{none}}',
      '  warn logwrite = R3 ${lookup dnsdb{a=mail.example.test}{$value}{none}}', '  accept', '',
    ].join('\n'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', '10.0.0.1'], {
      input: 'HELO x\r\nMAIL FROM:<a@b.c>\r\nQUIT\r\n', encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('LOG: ')), [
      'LOG: EVENT <dns:fail> <DNS_NOMATCH:nothere.example.test:A>',
      'LOG: R1 none',
      'LOG: EVENT <dns:fail> <DNS_NODATA:mail.example.test:TXT>',
      'LOG: R2 none',
      'LOG: R3 192.0.2.25',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
