// A list item that is an absolute path names a file of further items, one a
// line. Domain and host list files treat '#' anywhere as a comment start;
// address and local-part list files only when '#' starts the line or follows
// white space (local parts may contain '#'). Parsed lines are cached and
// re-read when the file changes (lookups/file-cache.ts bounds the staleness).

import { readFileSync } from 'node:fs';
import { cachedFile } from '../lookups/file-cache.ts';
import { strerror } from '../lookups/file-errors.ts';

export type CommentStyle = 'anywhere' | 'after-space';

export class ListFileError extends Error {
  override name = 'ListFileError';
}

function stripComment(line: string, style: CommentStyle): string {
  if (style === 'anywhere') {
    const hash = line.indexOf('#');
    return hash < 0 ? line : line.slice(0, hash);
  }
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) return line.slice(0, i);
  }
  return line;
}

export function parseListFile(text: string, style: CommentStyle): string[] {
  const items: string[] = [];
  for (const raw of text.split('\n')) {
    const item = stripComment(raw, style).trim();
    if (item !== '') items.push(item);
  }
  return items;
}

/** The items of a list file; throws ListFileError with Exim's text when it cannot be read. */
export function listFileItems(path: string, style: CommentStyle): string[] {
  const load = (p: string): string[] => {
    try {
      return parseListFile(readFileSync(p, 'utf8'), style);
    } catch (err) {
      throw new ListFileError(`failed to open ${p} when checking "${p}": ${strerror(err)}`);
    }
  };
  return cachedFile(`listfile-${style}`, path, load).value;
}
