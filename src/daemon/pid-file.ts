// The daemon's pid file: "<pid>\n", as Exim writes it. Written whole under a
// temporary name and renamed, so a reader never sees it half-written; removed
// on a clean stop only if it still holds our pid (another daemon may have
// taken it over since).

import fs from 'node:fs';

export function writePidFile(file: string, pid: number): void {
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** The pid a pid file names, or undefined when it is missing or not a pid file. */
export function readPidFile(file: string): number | undefined {
  try {
    const m = /^(\d+)\n?$/.exec(fs.readFileSync(file, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(file: string, pid: number): void {
  if (readPidFile(file) !== pid) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // Not ours to remove any more (privileges dropped, directory gone): leave it.
  }
}
