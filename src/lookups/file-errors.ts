// Exim words its file errors with the C library's strerror() text; Node
// gives us the errno code, so map the codes a lookup file can produce.

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
};

export function strerror(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code && STRERROR[code]) return STRERROR[code];
  return err instanceof Error ? err.message : String(err);
}

/** "failed to open /x for linear search: No such file or directory" */
export function openFailed(file: string, what: string, err: unknown): string {
  return `failed to open ${file} for ${what}: ${strerror(err)}`;
}
