// C's strerror() texts for the errno codes Node reports, so that messages
// read as Exim's ("failed to open /x: No such file or directory").

const TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory', ENOTDIR: 'Not a directory', ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long', EMFILE: 'Too many open files', ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out', EHOSTUNREACH: 'No route to host', ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer', EPIPE: 'Broken pipe', ENOTSOCK: 'Socket operation on non-socket',
  EINVAL: 'Invalid argument', EIO: 'Input/output error', ENXIO: 'No such device or address',
  EADDRNOTAVAIL: 'Cannot assign requested address', EPROTOTYPE: 'Protocol wrong type for socket',
  ENOTFOUND: 'Name or service not known', EAI_AGAIN: 'Temporary failure in name resolution',
};

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && TEXT[code]) return TEXT[code];
  return (e as Error)?.message ?? String(e);
}
