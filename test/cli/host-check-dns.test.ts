// -bh traces of host-name lookups, against Exim 4.98's: host_lookup at
// connection, verify = reverse_host_lookup, host lists with wildcard and
// plain names, HELO verification (helo_verify_hosts, helo_try_verify_hosts),
// and sender verification through the dnslookup router. Recorded with exim4 in a network namespace whose resolver was
// a BIND serving the zones below; here tern asks a BIND with the same zones.
// test/fixtures/smtp/bh-dns/<config>-<client>.{stdout,stderr}.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { RECORDED_ZONES } from './dns-zones.ts';
import { EXIM_VERSION } from '../../src/expand/variables.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/smtp/bh-dns');

let dns: DnsServer;

before(async () => {
  dns = await startDnsServer(RECORDED_ZONES);
});

after(async () => {
  await dns?.stop();
});

function normalise(text: string, conf: string): string {
  return text.replaceAll(conf, 'CONF').replace(/\r\n/g, '\n').replace(/^(220 \S+ ESMTP Exim) \S+ .*$/m, '$1 VERSION DATE')
    .replace(/\b[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}\b/g, 'MESSAGE-ID');
}

/** Exim 4.98.2 named its version in the Received: header: an arrival's S= differs by the versions' lengths. */
function withOurVersionSize(text: string): string {
  const delta = '4.98.2'.length - EXIM_VERSION.length;
  return text.replace(/^(LOG: \S+ <= .* S=)(\d+)/gm, (_m, head: string, n: string) => `${head}${Number(n) - delta}`);
}

for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.stderr')).sort()) {
  const m = /^(.+)-(\d+\.\d+\.\d+\.\d+)\.stderr$/.exec(file)!;
  const [, config, client] = m;
  test(`-bh host-name lookup trace is Exim's: ${config} from ${client}`, () => {
    fs.mkdirSync('/tmp/tern-bh-fixture-spool', { recursive: true });
    const conf = path.join(FIXTURES, `${config}.conf`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', client], {
      // a configuration's own session where it has one (<config>.input)
      input: fs.readFileSync(path.join(FIXTURES, fs.existsSync(path.join(FIXTURES, `${config}.input`)) ? `${config}.input` : 'input')),
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` },
    });
    assert.equal(r.status, 0, r.stderr);
    const want = (ext: string): string => fs.readFileSync(path.join(FIXTURES, `${config}-${client}.${ext}`), 'utf8').replace(/\r\n/g, '\n');
    assert.equal(normalise(r.stderr, conf), want('stderr'));
    assert.equal(normalise(r.stdout, conf), want('stdout'));
  });
}

// Shared operators' configurations (../shared/configs), whole sessions. Exim ran on a host
// called "vm" whose /etc/aliases existed (the configurations route root@<host> through it).
const SHARED = path.join(ROOT, '../shared/configs');
// two sessions: shared/input (EHLO, MAIL, RCPTs) and shared-misc/input (HELO, VRFY, EXPN, ETRN, HELP, DSN, DATA, STARTTLS)
const sharedSkip = !fs.existsSync(SHARED) ? '../shared is not here'
  : !fs.existsSync('/etc/aliases') ? 'no /etc/aliases (the recorded sessions read it)' : false;
for (const SHARED_FIXTURES of [path.join(FIXTURES, 'shared'), path.join(FIXTURES, 'shared-misc')]) for (const file of fs.readdirSync(SHARED_FIXTURES).filter((f) => f.endsWith('.stderr')).sort()) {
  const [, config, client] = /^(.+)-(\d+\.\d+\.\d+\.\d+)\.stderr$/.exec(file)!;
  test(`-bh session (${path.basename(SHARED_FIXTURES)}) of shared ${config} from ${client} is Exim's (with DNS)`, { skip: sharedSkip }, () => {
    const conf = path.join(SHARED, `${config}.conf`);
    const host = os.hostname();
    const ours = (t: string): string => t.replace(/\bvm\b/g, host);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', conf, '-bh', client], {
      input: ours(fs.readFileSync(path.join(SHARED_FIXTURES, 'input'), 'latin1')),
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, TERN_RESOLVERS: `${dns.host}:${dns.port}` },
    });
    assert.equal(r.status, 0, r.stderr);
    const want = (ext: string): string => normalise(ours(fs.readFileSync(path.join(SHARED_FIXTURES, `${config}-${client}.${ext}`), 'utf8')), conf);
    assert.equal(normalise(r.stderr, conf), withOurVersionSize(want('stderr')));
    assert.equal(normalise(r.stdout, conf), want('stdout'));
  });
}
