// A redirect router whose file is an Exim filter, through `tern -bt` and
// `tern -bv`, against output recorded from Exim 4.98 with the same
// configuration (test/fixtures/filter/routing/record.sh): deliveries,
// unseen continuation, discard, fail, freeze, errors, allow_filter unset.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/main.ts');
const DIR = path.join(ROOT, 'test/fixtures/filter/routing');

/** The recorded output, split into one block per "== <flag> <address>" header. */
function expectedBlocks(file: string): { flag: string; address: string; text: string }[] {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  return text.split(/^== /m).filter((b) => b !== '').map((b) => {
    const nl = b.indexOf('\n');
    const [flag, address] = b.slice(0, nl).split(' ');
    return { flag, address, text: b.slice(nl + 1) };
  });
}

function tern(flag: string, address: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [MAIN, '-C', path.join(DIR, 'configure'), `-DFILTERDIR=${DIR}`, flag, address], { timeout: 20_000 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
}

describe('redirect router with Exim filter files (golden from Exim 4.98)', () => {
  const blocks = expectedBlocks('expected');
  it('has cases', () => assert.equal(blocks.length, 26));
  for (const b of blocks) {
    it(`${b.flag} ${b.address}`, () => {
      const r = tern(b.flag, b.address);
      // Exim's log lines (LOG: MAIN, on stderr) come out before the routing result.
      assert.equal(`${r.stderr}${r.stdout}rc=${r.status}\n`, b.text);
    });
  }
});

// Exim's -bt also writes a debugging line about Sieve's implicit keep to stderr: only stdout is compared.
describe('redirect router with Sieve filter files (golden from Exim 4.98)', () => {
  const blocks = expectedBlocks('expected-sieve');
  it('has cases', () => assert.equal(blocks.length, 12));
  for (const b of blocks) {
    it(`${b.flag} ${b.address}`, () => {
      const r = tern(b.flag, b.address);
      assert.equal(`${r.stdout}rc=${r.status}\n`, b.text);
    });
  }
});
