// Running as exim_user/exim_group. A daemon started as root binds its ports
// and writes its pid file as root, then gives up root for good: the primary
// and every worker it starts run as the Exim user (Node cannot regain
// privileges, so a reload that needs a new privileged port fails and says so).

import fs from 'node:fs';
import path from 'node:path';

function isRoot(): boolean {
  return (process.geteuid?.() ?? -1) === 0;
}

/** Become uid/gid (with no supplementary groups) when running as root; nothing otherwise. */
export function dropPrivileges(uid: number, gid: number): void {
  if (!isRoot() || uid === 0) return;
  process.setgroups?.([gid]);
  process.setgid?.(gid);
  process.setuid?.(uid);
}

/**
 * mkdir -p, giving directories we create to the Exim user when running as
 * root (the spool and log directories must be writable after the drop).
 */
export function prepareDirectory(dir: string, uid: number, gid: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d, { mode: 0o750 });
    if (isRoot() && uid !== 0) fs.chownSync(d, uid, gid);
  }
}
