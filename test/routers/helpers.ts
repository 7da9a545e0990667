// A configuration file written to a temp directory, loaded, and a routing
// environment around it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { sessionExpandContext } from '../../src/smtp/server/context.ts';
import type { RoutingEnv } from '../../src/routers/index.ts';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tern-routers-'));
}

export function configFrom(dir: string, text: string): Config {
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `primary_hostname = mail.example.com\nspool_directory = ${dir}/spool\n${text}`);
  return loadConfig(file);
}

export function envFor(config: Config, extra: Partial<RoutingEnv> = {}): RoutingEnv & { logged: string[] } {
  const logged: string[] = [];
  return { config, ctx: sessionExpandContext(config), log: (l) => logged.push(l), logged, ...extra };
}
