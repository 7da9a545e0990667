// -bt on shared operators' configurations (../shared/configs), with DNS:
// tern's output, error output and exit code against Exim 4.98's, recorded
// with exim4 in a network namespace whose resolver was a BIND serving the
// same zones (test/cli/dns-zones.ts). Exim ran on a host called "vm" whose
// /etc/aliases existed; the addresses and output name this host instead.
// test/fixtures/bt-dns/<config>-<address>.{stdout,stderr,status}.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { RECORDED_ZONES } from './dns-zones.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/bt-dns');
const SHARED = path.join(ROOT, '../shared/configs');
const skip = !fs.existsSync(SHARED) ? '../shared is not here'
  : !fs.existsSync('/etc/aliases') ? 'no /etc/aliases (the recorded runs read it)' : false;

let dns: DnsServer | undefined;

before(async () => {
  if (!skip) dns = await startDnsServer(RECORDED_ZONES);
});

after(async () => {
  await dns?.stop();
});

const host = os.hostname();
const ours = (t: string): string => t.replace(/\bvm\b/g, host);

for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.status')).sort()) {
  const [, config, address] = /^(.+?)-([^-]+@[^-]+)\.status$/.exec(file)!;
  test(`-bt ${address} with shared ${config} is Exim's`, { skip }, () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', path.join(SHARED, `${config}.conf`), '-bt', ours(address)], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, TERN_RESOLVERS: `${dns!.host}:${dns!.port}` },
    });
    const want = (ext: string): string => ours(fs.readFileSync(path.join(FIXTURES, `${config}-${address}.${ext}`), 'utf8'));
    assert.equal(r.stdout, want('stdout'));
    assert.equal(r.stderr, want('stderr'));
    assert.equal(String(r.status), want('status').trim());
  });
}
