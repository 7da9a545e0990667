// Where tern's own files are. Found by walking up from this module to the
// package.json named tern-mta, so it holds both when running from src/ and
// from the esbuild bundle in dist/ (whose modules sit at another depth).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'tern-mta') return dir;
    } catch {}
    const up = path.dirname(dir);
    if (up === dir) throw new Error('tern: cannot find its own package.json');
    dir = up;
  }
}

export const repoRoot = findRepoRoot();
