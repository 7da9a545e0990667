// Records Exim 4.98's -brw output for test/fixtures/rewrite/cases.json into
// recorded.json (run by hand where /usr/sbin/exim4 exists; the tests only
// read the recording):
//   node test/rewrite/record.ts
// Log lines lose their timestamps; each case keeps stdout, the log lines
// and the exit code.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '../fixtures/rewrite');
const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Record<string, string[]>;

export interface RecordedCase {
  config: string;
  address: string;
  stdout: string;
  logs: string[];
  rc: number;
}

export function logLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''));
}

if (process.argv[1] === import.meta.filename) {
  const out: RecordedCase[] = [];
  for (const [config, addresses] of Object.entries(cases)) {
    for (const address of addresses) {
      const r = spawnSync('/usr/sbin/exim4', ['-C', path.join(dir, config), `-DFIXDIR=${dir}`, '-brw', address], { encoding: 'latin1' });
      out.push({ config, address, stdout: r.stdout, logs: logLines(r.stderr), rc: r.status ?? -1 });
    }
  }
  writeFileSync(path.join(dir, 'recorded.json'), JSON.stringify(out, null, 1) + '\n');
  process.stdout.write(`${out.length} cases recorded\n`);
}
