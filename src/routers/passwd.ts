// check_local_user's view of the user database: the shared passwd reader.

export { getpwnam, resetPasswdCache, type PasswdEntry } from '../util/passwd.ts';
