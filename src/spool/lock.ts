// One owner per message, across processes (daemon workers, queue runners,
// -M commands), surviving kill -9 of an owner.
//
// Exim locks the -D file with fcntl(); Node has no fcntl/flock. Instead each
// message has a directory <spool>/lock/<id>/ in which a contender creates a
// file named after itself: "<pid>.<start time>.<boot id>.<sequence>". It then
// lists the directory: if another file there belongs to a live owner it
// removes its own file and gives up (null); otherwise it owns the message.
// Two contenders can never both win: whoever lists second sees the first's
// file, which exists from before the first listed until it releases. (Both
// may lose at once; they simply retry later.)
//
// A file whose owner is dead is removed by whoever finds it. An owner is dead
// when its boot id differs from the current one, its pid is gone, or the pid
// now belongs to a process with a different start time (pid reuse). Because
// each name is unique to its owner, removing a dead owner's file can never
// remove a live lock. Exim ignores the lock directory.

import fs from 'node:fs';
import path from 'node:path';
import { lockDir } from './paths.ts';

export interface MessageLock {
  readonly id: string;
  /** The lock file; it exists while the lock is held. */
  readonly file: string;
  release(): Promise<void>;
}

interface Identity {
  pid: number;
  start: string;
  boot: string;
}

function readProcStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22 (starttime); the command name in field 2 may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

let bootIdCache: string | undefined;
function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replace(/-/g, '').slice(0, 12);
    } catch {
      bootIdCache = 'noboot';
    }
  }
  return bootIdCache;
}

let selfCache: Identity | undefined;
function self(): Identity {
  if (!selfCache || selfCache.pid !== process.pid) {
    selfCache = { pid: process.pid, start: readProcStart(process.pid) ?? 'nostart', boot: bootId() };
  }
  return selfCache;
}

/** Is the owner named by a lock file name still running? */
export function ownerAlive(name: string): boolean {
  const m = /^(\d+)\.([^.]+)\.([^.]+)\.\d+$/.exec(name);
  if (!m) return false; // not a lock file of ours: a crashed writer's leftover at worst
  const pid = Number(m[1]);
  if (m[3] !== bootId()) return false;
  if (m[2] !== 'nostart') {
    const start = readProcStart(pid);
    if (start !== null) return start === m[2];
    if (fs.existsSync('/proc/self/stat')) return false; // /proc works, so the pid is gone
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let sequence = 0;

/**
 * Try to become the one owner of message `id`. Resolves to the lock, or to
 * null when a live process (this one included) holds it.
 */
export async function acquireMessageLock(spoolDir: string, id: string): Promise<MessageLock | null> {
  if (!/^[0-9A-Za-z-]+$/.test(id)) throw new Error(`acquireMessageLock: bad message id "${id}"`);
  const me = self();
  const dir = path.join(lockDir(spoolDir), id);
  const name = `${me.pid}.${me.start}.${me.boot}.${++sequence}`;
  const file = path.join(dir, name);
  for (let attempt = 0; ; attempt++) {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o750 });
    try {
      await fs.promises.writeFile(file, '', { flag: 'wx', mode: 0o640 });
      break;
    } catch (e) {
      // The directory was removed by a releasing owner between our mkdir and create: go again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 20) throw e;
    }
  }
  for (const other of await fs.promises.readdir(dir)) {
    if (other === name) continue;
    if (ownerAlive(other)) {
      await fs.promises.rm(file, { force: true });
      return null;
    }
    await fs.promises.rm(path.join(dir, other), { force: true });
  }
  let released = false;
  return {
    id,
    file,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await fs.promises.rm(file, { force: true });
      await fs.promises.rmdir(dir).catch(() => {}); // fails while another contender's file is there
    },
  };
}

/** Ids of messages with a live lock (for listings and tests). */
export async function lockedMessageIds(spoolDir: string): Promise<string[]> {
  const out: string[] = [];
  let ids: string[];
  try {
    ids = await fs.promises.readdir(lockDir(spoolDir));
  } catch {
    return out;
  }
  for (const id of ids) {
    const names = await fs.promises.readdir(path.join(lockDir(spoolDir), id)).catch(() => [] as string[]);
    if (names.some(ownerAlive)) out.push(id);
  }
  return out;
}
