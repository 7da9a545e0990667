// Re-record the expected results of case-list.ts from Debian's Exim
// (run on a machine that has exim4: `node test/expand/operators/record.ts`).
// Writes recorded.json; cases where Exim crashes are left out.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { decodeBytes, encodeBytes } from '../../../src/expand/operators/bytes.ts';
import { CASES } from './case-list.ts';

/** An expansion-string literal for the subject: specials escaped, odd bytes as \xHH. */
function literal(subject: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of subject) {
    const code = ch.codePointAt(0)!;
    if ('\\${}'.includes(ch)) parts.push(Buffer.from('\\' + ch));
    else if (code < 0x20 || code === 0x7f || (code >= 0xdc80 && code <= 0xdcff)) {
      const byte = code >= 0xdc80 ? code - 0xdc00 : code;
      parts.push(Buffer.from('\\x' + byte.toString(16).padStart(2, '0')));
    } else if (code >= 0x80) {
      // argv is passed as UTF-8 text, so non-ASCII goes in as \xHH escapes
      for (const b of encodeBytes(ch)) parts.push(Buffer.from('\\x' + b.toString(16).padStart(2, '0')));
    } else parts.push(Buffer.from(ch));
  }
  return Buffer.concat(parts);
}

const out: { name: string; subject: string; expected?: string; error?: string }[] = [];
for (const [name, subject] of CASES) {
  const expr = Buffer.concat([Buffer.from(`\${${name}:`), literal(subject), Buffer.from('}')]);
  const r = spawnSync('/usr/sbin/exim4', ['-C', '/dev/null', '-be', expr.toString('latin1') /* all ASCII */], { encoding: 'buffer' });
  if (r.status !== 0 || r.signal) continue; // Exim crashed: no fact to record
  const text = decodeBytes(r.stdout.subarray(0, r.stdout.length - 1));
  if (text.startsWith('Failed: ')) out.push({ name, subject, error: text.slice(8) });
  else out.push({ name, subject, expected: text });
}
writeFileSync(new URL('./recorded.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.length} of ${CASES.length} cases recorded`);
