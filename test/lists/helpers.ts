// Fixtures for list tests: temp files and a context with named lists.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { newContext, type ExpandContext, type NamedListKind } from '../../src/expand/context.ts';

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tern-lists-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A context like `-C x.conf` with primary_hostname and named lists. */
export function listContext(named: [NamedListKind, string, string][] = []): ExpandContext {
  const ctx = newContext({ options: new Map([['primary_hostname', 'mail.example.com']]) });
  for (const [kind, name, text] of named) ctx.namedLists.set(name, { kind, name, text, cacheable: !text.includes('$') });
  return ctx;
}
