// Defaults that tern computes at load time instead of fixing at build time
// (Exim fixes them when it is compiled): the host name, the invoking user,
// and paths under one data directory so that tern runs unprivileged.
//
// Data directory: $TERN_DATA_DIR when set, else <repository>/data.

import os from 'node:os';
import path from 'node:path';
import { userName, groupName } from './users.ts';
import { repoRoot } from '../util/paths.ts';

export const TERN_VERSION = '0.1.0';
/** The Exim release whose behaviour tern follows ($version_number, exim_version). */
export const EXIM_COMPAT_VERSION = '4.99';


export function dataDir(): string {
  return process.env.TERN_DATA_DIR ?? path.join(repoRoot, 'data');
}

/** Main options whose default depends on the host or on the invoking user. */
export function dynamicDefault(name: string, get: (n: string) => string): string | undefined {
  switch (name) {
    case 'primary_hostname': return os.hostname();
    case 'qualify_domain': return get('primary_hostname');
    case 'qualify_recipient': return get('qualify_domain');
    case 'exim_user': return userName(process.getuid?.() ?? 0) ?? String(process.getuid?.() ?? 0);
    case 'exim_group': return groupName(process.getgid?.() ?? 0) ?? String(process.getgid?.() ?? 0);
    case 'exim_path': return path.join(repoRoot, 'bin', 'tern');
    case 'exim_version': return EXIM_COMPAT_VERSION;
    case 'spool_directory': return path.join(dataDir(), 'spool');
    case 'log_file_path': return path.join(dataDir(), 'log', '%slog');
    case 'pid_file_path': return path.join(dataDir(), 'run', 'tern.pid');
    case 'process_log_path': return path.join(dataDir(), 'spool', 'exim-process.info');
    default: return undefined;
  }
}
