// -bP output compared with golden output recorded from Exim 4.98
// (`exim4 -C <file> -bP ...`, files under test/fixtures/config/exim-bP/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { printConfig } from '../../src/cli/print-config.ts';

const dir = path.resolve(import.meta.dirname, '../fixtures/config/exim-bP');
const golden = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8').replace(/\n$/, '').split('\n');

/**
 * Where tern legitimately differs from Exim 4.98's listing:
 *  - "*expand_maildir_use_size_file" is an internal slot Exim 4.98 leaks into its listing;
 *  - options new in the 4.99 spec are listed by tern (hosts_require_alpn in smtp etc. are in both).
 */
const EXIM_ONLY = new Set(['*expand_maildir_use_size_file = ']);
/** Defaults Exim derives per instance (from the driver and its transport); tern derives them at routing time. */
const DERIVED = /^(no_)?(log_as_local|retry_use_local_part)$/;
/**
 * Known differences, each a fact about Exim 4.98's build or printing rather than a tern bug:
 * defaults Exim keeps unset and fills in when used (iplookup/smtp protocol, autoreply once_repeat,
 * queryprogram command_group from command_user, tls public_name from the instance name), 4.99
 * spec defaults (sieve_*), and options of other builds (GnuTLS, FreeBSD class resources).
 */
const KNOWN = /^(protocol = .*|once_repeat = .*|command_group = .*|public_name = .*|sieve_\w+ = .*|(no_)?use_classresources|(no_)?gnutls_compat_mode)$/;
const comparable = (lines: string[]) => lines.filter((l) => !EXIM_ONLY.has(l) && !DERIVED.test(l) && !KNOWN.test(l));

test('-bP router/transport/authenticator NAME match Exim for every driver type', () => {
  const cfg = loadConfig(path.join(dir, 'drivers.conf'), new Map());
  const kinds = [['router', 'r_', 'routers'], ['transport', 't_', 'transports'], ['authenticator', 'a_', 'authenticators']] as const;
  let compared = 0;
  for (const [word, prefix, kind] of kinds) {
    for (const inst of cfg[kind]) {
      const file = `${word === 'authenticator' ? 'auth' : word}-${inst.name.slice(prefix.length)}.txt`;
      const want = comparable(golden(file));
      const got = comparable(printConfig(cfg, [word, inst.name], true).out);
      const extra = got.filter((l) => !want.includes(l));
      const missing = want.filter((l) => !got.includes(l));
      assert.deepEqual({ extra, missing }, { extra: [], missing: [] }, `${word} ${inst.name}`);
      assert.deepEqual(got.filter((l) => want.includes(l)), want, `order of ${word} ${inst.name}`);
      compared++;
    }
  }
  assert.equal(compared, 19);
});

test('-bP routers, lists and config match Exim', () => {
  const cfg = loadConfig(path.join(dir, 'pp.conf'), new Map());
  assert.deepEqual(comparable(printConfig(cfg, ['routers'], true).out), comparable(golden('pp-routers.txt')));
  assert.deepEqual(printConfig(cfg, ['+local_domains', '+other', '+relay', '+al', '+lp'], true).out, golden('pp-lists.txt'));
  // The first line names the program version; the file name is as given on -C.
  const want = golden('pp-config.txt').slice(2);
  const got = printConfig(cfg, ['config'], true).out;
  assert.match(got[0], /^# Exim Configuration \(tern /);
  assert.equal(got[1], `# 1 "${path.join(dir, 'pp.conf')}"`);
  assert.deepEqual(got.slice(2), want);
});

test('-bP main options: formatting of every type, hidden values, unknown names', () => {
  const cfg = loadConfig(path.join(dir, 'pp.conf'), new Map());
  const r = printConfig(cfg, ['primary_hostname', 'queue_only', 'auto_thaw', 'bounce_return_size_limit', 'check_spool_space', 'smtp_accept_max', 'deliver_queue_load_max', 'never_users', 'callout_domain_positive_expire', 'nosuch'], false);
  assert.deepEqual(r.out, [
    'primary_hostname = <value not displayable>',
    'no_queue_only',
    'auto_thaw = 0s',
    'bounce_return_size_limit = 100K',
    'check_spool_space = 10M',
    'smtp_accept_max = 20',
    'deliver_queue_load_max =',
    'never_users =',
    'callout_domain_positive_expire = 1w',
    'nosuch is not a known option',
  ]);
  assert.equal(r.status, 1);
  assert.deepEqual(printConfig(cfg, ['primary_hostname'], true).out, ['primary_hostname = secret.example']);
  assert.deepEqual(printConfig(cfg, ['router_list'], true).out, ['r1', 'r2']);
  assert.deepEqual(printConfig(cfg, ['macro', 'MYMAC'], true).out, ['MYMAC=hello']);
  assert.deepEqual(printConfig(cfg, ['macro', 'NOPE'], true), { out: ['macro NOPE not found'], status: 1 });
  assert.deepEqual(printConfig(cfg, ['router', 'nosuch'], true), { out: ['router nosuch not found'], status: 1 });
  assert.deepEqual(printConfig(cfg, ['+nosuch'], true).out, ['no address, domain, host, or local part list called "nosuch" exists']);
  assert.equal(printConfig(cfg, ['macros'], true).out[0], 'MYMAC=hello');
  const file = printConfig(cfg, ['transport', 't1'], false).out.find((l) => l.startsWith('file ='));
  assert.equal(file, 'file = <value not displayable>');
});

test('-bP with no arguments lists the main options Exim 4.98 lists, same values where the build agrees', () => {
  const cfg = loadConfig('/dev/null', new Map());
  const got = printConfig(cfg, [], true).out;
  const want = golden('main-devnull.txt');
  const name = (l: string) => l.replace(/ =.*$/, '').replace(/^no_/, '');
  const gotNames = new Set(got.map(name));
  // Every option Exim lists, tern lists too.
  assert.deepEqual(want.map(name).filter((n) => !gotNames.has(n)), []);
  // Build- and host-specific defaults (paths, users, Debian's choices, TLS library) differ by design.
  const buildSpecific = /^(exim_|log_file_path|pid_file_path|process_log_path|spool_directory|primary_hostname|qualify_|openssl_options|ldap_version|remote_max_parallel|sqlite_lock_timeout|no_drop_cr)/;
  const differ = want.filter((l) => !buildSpecific.test(l) && !got.includes(l));
  assert.deepEqual(differ, []);
});
