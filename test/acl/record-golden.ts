// Records the golden fixtures of golden-cases.ts from Debian's Exim 4.98:
//   node test/acl/record-golden.ts [name...]
// Each case runs `exim4 -C <conf> -bh <ip>` with a fresh spool; the
// configuration text, the SMTP script and Exim's whole output are stored in
// test/acl/fixtures/golden/<name>.json. Not part of the test suite.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GOLDEN_CASES, type GoldenCase } from './golden-cases.ts';

const OUT = path.join(import.meta.dirname, 'fixtures', 'golden');
const WIRED = ['connect', 'helo', 'mail', 'rcpt', 'predata', 'data', 'quit', 'vrfy'];

/** The configuration file text; SPOOL is replaced by the spool directory when used. */
export function configText(c: GoldenCase): string {
  const lines = ['spool_directory = SPOOL', 'exim_user = root', 'exim_group = root', 'log_file_path = SPOOL/%slog', 'primary_hostname = test.example'];
  if (c.main) lines.push(c.main);
  for (const w of WIRED) if (new RegExp(`^${w}:`, 'm').test(c.acls)) lines.push(`acl_smtp_${w} = ${w}`);
  lines.push('begin acl', c.acls, '');
  return lines.join('\n');
}

export function scriptText(c: GoldenCase): string {
  let s = '';
  for (const cmd of c.commands) {
    s += `${cmd}\r\n`;
    if (cmd === 'DATA' && c.message !== undefined) s += `${c.message}.\r\n`;
  }
  return s;
}

function record(c: GoldenCase): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-golden-'));
  const spool = path.join(dir, 'spool');
  fs.mkdirSync(spool);
  const conf = configText(c);
  const confFile = path.join(dir, 'configure');
  fs.writeFileSync(confFile, conf.replaceAll('SPOOL', spool));
  const r = spawnSync('/usr/sbin/exim4', ['-C', confFile, '-bh', c.ip ?? '192.0.2.1'], { input: scriptText(c), encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const clean = (t: string): string => t.replaceAll(confFile, 'CONF').replaceAll(spool, 'SPOOL');
  const fixture = { conf, script: scriptText(c), stdout: clean(r.stdout), stderr: clean(r.stderr) };
  fs.writeFileSync(path.join(OUT, `${c.name}.json`), JSON.stringify(fixture, null, 1) + '\n');
}

fs.mkdirSync(OUT, { recursive: true });
const want = process.argv.slice(2);
for (const c of GOLDEN_CASES) if (want.length === 0 || want.includes(c.name)) record(c);
