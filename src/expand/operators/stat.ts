// ${stat:path}: stat(2) fields as name=value pairs, in Exim's order and format.

import { statSync } from 'node:fs';
import { ExpandError } from '../errors.ts';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  EOVERFLOW: 'Value too large for defined data type',
};

const RWX = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'];

function symbolicMode(mode: number): string {
  const type = mode & 0o170000;
  const typeChar = type === 0o100000 ? '-' : type === 0o040000 ? 'd' : type === 0o020000 ? 'c'
    : type === 0o060000 ? 'b' : type === 0o010000 ? 'p' : type === 0o120000 ? 'l' : type === 0o140000 ? 's' : '?';
  const part = (bits: number, special: boolean, lower: string, upper: string): string => {
    const t = RWX[bits];
    if (!special) return t;
    return t.slice(0, 2) + (bits & 1 ? lower : upper);
  };
  return typeChar
    + part((mode >> 6) & 7, (mode & 0o4000) !== 0, 's', 'S')
    + part((mode >> 3) & 7, (mode & 0o2000) !== 0, 's', 'S')
    + part(mode & 7, (mode & 0o1000) !== 0, 't', 'T');
}

export function statOperator(path: string): string {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ExpandError(`stat(${path}) failed: ${ERRNO_TEXT[code] ?? code}`, { cause: e });
  }
  const mode = Number(st.mode);
  const secs = (ns: bigint): string => (ns / 1_000_000_000n).toString();
  return `mode=${(mode & 0o77777).toString(8).padStart(4, '0')} smode=${symbolicMode(mode)}`
    + ` inode=${st.ino} device=${st.dev} links=${st.nlink} uid=${st.uid} gid=${st.gid} size=${st.size}`
    + ` atime=${secs(st.atimeNs)} mtime=${secs(st.mtimeNs)} ctime=${secs(st.ctimeNs)}`;
}
