// crypteq's implementation lives in crypt/ (written separately). It is loaded
// here by path so that the expander works, minus crypteq, before it exists.

import { ExpandError } from './errors.ts';

type CryptEq = (subject: string, encrypted: string) => boolean;
let impl: CryptEq | undefined;
try {
  const path = './crypt/index.ts';
  impl = ((await import(path)) as { crypteq: CryptEq }).crypteq;
} catch {
  impl = undefined;
}

export function crypteq(subject: string, encrypted: string): boolean {
  if (!impl) throw new ExpandError('crypteq is not available in this build of tern');
  return impl(subject, encrypted);
}
