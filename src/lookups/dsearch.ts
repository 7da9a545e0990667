// dsearch: does the directory contain an entry named by the key (lstat)?
// Options: ret=full (answer with the whole path), filter=file|dir|subdir
// (only entries of that type; subdir excludes "." and ".."), key=path (the
// key may hold several path components, but never a ".." component).

import { lstatSync, statSync } from 'node:fs';
import { lookupFile } from './file-cache.ts';
import { openFailed } from './file-errors.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, LookupOpenError, type LookupRequest } from './types.ts';

function checkDirectory(dir: string): true {
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new LookupOpenError(openFailed(dir, 'directory search', err));
  }
  return true;
}

const directories = lookupFile('dsearch-dir', checkDirectory);

registerLookup({
  name: 'dsearch',
  style: 'single-key',
  check: directories.check,
  find(req: LookupRequest): string | null {
    const dir = req.file!;
    const key = req.key;
    if (req.options.get('key') === 'path') {
      // Exim 4.98 refuses "/../" and "/./" inside the key; the spec forbids
      // every ".." component, so both are refused, in Exim's words.
      if (key.includes('/./') || key.split('/').includes('..')) {
        throw new LookupDefer(`key for dsearch lookup contains bad component: ${key}`);
      }
    } else if (key.includes('/')) {
      throw new LookupDefer(`key for dsearch lookup contains a slash: ${key}`);
    }
    directories.check(req);
    const path = `${dir}/${key}`;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return null;
    }
    switch (req.options.get('filter')) {
      case 'file':
        if (!st.isFile()) return null;
        break;
      case 'dir':
        if (!st.isDirectory()) return null;
        break;
      case 'subdir':
        if (!st.isDirectory() || key === '.' || key === '..') return null;
        break;
    }
    return req.options.get('ret') === 'full' ? path : key;
  },
});
