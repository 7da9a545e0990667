// Shared fixtures for lookup tests: a temporary directory and a context.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { newContext, type ExpandContext } from '../../src/expand/context.ts';

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tern-lookups-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function ctx(partial: Partial<ExpandContext> = {}): ExpandContext {
  return newContext(partial);
}
