// Options tern acts on today. A configuration may set any option Exim knows
// (operators' files must load), but one tern does not act on yet must not be
// silently ignored: -bV warns about every such option that is set.
// Each subsystem adds its options here when it starts honouring them.

export const IMPLEMENTED_OPTIONS: ReadonlySet<string> = new Set([
  // main: read by the configuration, expansion, list and lookup layers
  'main/exim_user', 'main/exim_group', 'main/exim_path', 'main/exim_version',
  'main/primary_hostname', 'main/qualify_domain', 'main/qualify_recipient',
  'main/spool_directory', 'main/log_file_path', 'main/pid_file_path',
  'main/keep_environment', 'main/add_environment',
  'main/dns_retrans', 'main/dns_retry', 'main/dns_use_edns0', 'main/dns_dnssec_ok',
  'main/lookup_open_max', 'main/sqlite_dbfile', 'main/sqlite_lock_timeout',
  'main/never_users', 'main/trusted_users', 'main/trusted_groups', 'main/admin_groups',
  'main/drop_cr',
  // generic driver options the configuration layer itself uses
  'routers/driver', 'transports/driver', 'authenticators/driver',
  'authenticators/public_name',
]);

/** Is `scope/name` acted on? A driver option counts under its driver or its kind. */
export function isImplemented(scope: string, name: string): boolean {
  return IMPLEMENTED_OPTIONS.has(`${scope}/${name}`);
}
