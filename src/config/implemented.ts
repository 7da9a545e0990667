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
  'main/sqlite_dbfile', 'main/sqlite_lock_timeout', 'main/redis_servers',
  'main/trusted_users', 'main/trusted_groups', 'main/admin_groups',
  // log files (src/log)
  'main/log_selector', 'main/log_timezone', 'main/timezone', 'main/write_rejectlog', 'main/message_logs',
  'main/syslog_duplication', 'main/syslog_facility', 'main/syslog_pid', 'main/syslog_processname', 'main/syslog_timestamp',
  // spool (src/spool)
  'main/split_spool_directory', 'main/localhost_number', 'main/queue_list_requires_admin', 'main/queue_only',
  // the daemon (src/daemon)
  'main/daemon_smtp_ports', 'main/local_interfaces', 'main/extra_local_interfaces', 'main/disable_ipv6',
  'main/daemon_startup_retries', 'main/daemon_startup_sleep', 'main/smtp_connect_backlog',
  'main/smtp_accept_max', 'main/smtp_accept_max_per_host', 'main/smtp_accept_queue', 'main/smtp_accept_reserve',
  'main/smtp_reserve_hosts', 'main/smtp_load_reserve', 'main/tls_on_connect_ports',
  // the SMTP session (src/smtp/server)
  'main/smtp_banner', 'main/smtp_active_hostname', 'main/smtp_enforce_sync', 'main/smtp_max_synprot_errors',
  'main/smtp_max_unknown_commands', 'main/smtp_receive_timeout', 'main/smtp_return_error_details',
  'main/smtp_accept_max_per_connection', 'main/recipients_max', 'main/message_size_limit', 'main/accept_8bitmime',
  'main/pipelining_advertise_hosts', 'main/chunking_advertise_hosts', 'main/dsn_advertise_hosts',
  'main/smtputf8_advertise_hosts', 'main/auth_advertise_hosts', 'main/tls_advertise_hosts', 'main/prdr_enable',
  // allow_domain_literals: MAIL and RCPT addresses only so far
  'main/allow_domain_literals',
  'main/smtp_etrn_command', 'main/helo_accept_junk_hosts', 'main/helo_allow_chars', 'main/recipient_unqualified_hosts', 'main/sender_unqualified_hosts',
  'main/event_action', 'main/smtp_etrn_serialize', 'main/gecos_pattern', 'main/gecos_name', 'main/rfc1413_hosts', 'main/rfc1413_query_timeout',
  'main/hosts_require_helo', 'main/helo_verify_hosts', 'main/helo_try_verify_hosts', 'main/helo_lookup_domains', 'main/host_lookup',
  'main/smtp_accept_max_nonmail', 'main/smtp_accept_max_nonmail_hosts',
  'main/smtp_ratelimit_hosts', 'main/smtp_ratelimit_mail', 'main/smtp_ratelimit_rcpt',
  // inbound proxies: the PROXY protocol and XCLIENT (proxy-protocol.ts, xclient.ts)
  'main/hosts_proxy', 'main/proxy_protocol_timeout', 'main/hosts_xclient',
  // ACLs (src/acl)
  'main/acl_not_smtp', 'main/acl_not_smtp_start', 'main/acl_smtp_atrn', 'main/acl_smtp_auth', 'main/acl_smtp_connect',
  'main/acl_smtp_data', 'main/acl_smtp_data_prdr', 'main/acl_smtp_dkim', 'main/acl_smtp_etrn', 'main/acl_smtp_expn',
  'main/acl_smtp_helo', 'main/acl_smtp_mail', 'main/acl_smtp_mailauth', 'main/acl_smtp_mime', 'main/acl_smtp_notquit',
  'main/acl_smtp_predata', 'main/acl_smtp_quit', 'main/acl_smtp_rcpt', 'main/acl_smtp_starttls', 'main/acl_smtp_vrfy',
  'main/acl_smtp_wellknown', 'main/dns_csa_search_limit', 'main/dns_csa_use_reverse',
  // MIME scanning (src/mime; it honours check_rfc2047_length, which $h_ decoding does not yet)
  'main/acl_not_smtp_mime',
  // content scanning: the spam and malware conditions (src/scan)
  'main/av_scanner', 'main/spamd_address',
  // SPF, DKIM verification, DMARC (src/spf, src/dkim, src/dmarc); dmarc_history_file and
  // dmarc_forensic_sender are not acted on
  'main/spf_guess', 'main/spf_smtp_comment_template', 'main/dkim_verify_hashes', 'main/dkim_verify_keytypes',
  'main/dkim_verify_min_keysizes', 'main/dkim_verify_minimal', 'main/dkim_verify_signers', 'main/dmarc_tld_file',
  // reception (src/receive)
  'main/received_header_text', 'main/message_id_header_domain', 'main/message_id_header_text', 'main/headers_charset',
  'main/header_maxsize', 'main/header_line_maxsize', 'main/local_from_check', 'main/local_from_prefix',
  'main/local_from_suffix', 'main/local_sender_retain', 'main/untrusted_set_sender', 'main/unknown_login',
  'main/unknown_username', 'main/uucp_from_pattern', 'main/extract_addresses_remove_arguments',
  'main/return_path_remove', 'main/envelope_to_remove', 'main/delivery_date_remove',
  // server TLS (src/tls)
  'main/tls_certificate', 'main/tls_privatekey', 'main/tls_require_ciphers', 'main/tls_verify_hosts',
  'main/tls_try_verify_hosts', 'main/tls_verify_certificates', 'main/tls_crl', 'main/tls_dhparam',
  'main/tls_dh_max_bits', 'main/tls_eccurve', 'main/tls_ocsp_file', 'main/tls_resumption_hosts', 'main/tls_alpn',
  'main/openssl_options',
  // server authenticators (src/auth)
  'authenticators/server_advertise_condition', 'authenticators/server_condition',
  'authenticators/server_mail_auth_condition', 'authenticators/server_set_id',
  'plaintext/server_prompts', 'cram_md5/server_secret',
  // dovecot, external, tls and spa server authenticators
  'dovecot/server_socket', 'external/server_param2', 'external/server_param3', 'tls/server_param',
  'tls/server_param1', 'tls/server_param2', 'tls/server_param3', 'spa/server_password',
  // routing for verification and -bt/-bv (src/routers, src/verify); delivery is not built yet,
  // so transport assignments are still reported as not implemented
  'routers/address_data', 'routers/address_test', 'routers/cannot_route_message', 'routers/check_local_user',
  'routers/condition', 'routers/domains', 'routers/errors_to', 'routers/expn', 'routers/fail_verify', 'routers/fail_verify_recipient',
  'routers/fail_verify_sender', 'routers/headers_add', 'routers/headers_remove', 'routers/ignore_target_hosts',
  'routers/local_part_prefix', 'routers/local_part_prefix_optional', 'routers/local_part_suffix',
  'routers/local_part_suffix_optional', 'routers/local_parts', 'routers/more', 'routers/pass_router',
  'routers/redirect_router', 'routers/require_files', 'routers/router_home_directory', 'routers/self',
  // a redirect router's children go through the rewrite rules unless no_rewrite (src/rewrite)
  'routers/rewrite',
  'routers/senders', 'routers/verify', 'routers/verify_only', 'routers/verify_recipient', 'routers/verify_sender',
  'redirect/data', 'redirect/file', 'redirect/allow_fail', 'redirect/allow_defer', 'redirect/qualify_domain',
  'redirect/qualify_preserve_domain', 'redirect/forbid_blackhole', 'redirect/forbid_file', 'redirect/forbid_include',
  'redirect/forbid_pipe', 'redirect/check_ancestor', 'redirect/skip_syntax_errors', 'redirect/file_transport', 'redirect/pipe_transport', 'redirect/directory_transport',
  // filter files in redirect data (src/filter); freeze is obeyed as a routing defer
  'redirect/allow_filter', 'redirect/allow_freeze', 'redirect/forbid_exim_filter', 'redirect/forbid_sieve_filter',
  'redirect/forbid_filter_dlfunc', 'redirect/forbid_filter_existstest', 'redirect/forbid_filter_logwrite',
  'redirect/forbid_filter_lookup', 'redirect/forbid_filter_perl', 'redirect/forbid_filter_readfile',
  'redirect/forbid_filter_readsocket', 'redirect/forbid_filter_reply', 'redirect/forbid_filter_run',
  'redirect/filter_prepend_home', 'redirect/reply_transport',
  'redirect/sieve_inbox', 'redirect/sieve_subaddress', 'redirect/sieve_useraddress', 'redirect/sieve_vacation_directory',
  'dnslookup/widen_domains', 'dnslookup/mx_domains', 'dnslookup/mx_fail_domains',
  'dnslookup/fail_defer_domains', 'dnslookup/check_secondary_mx', 'manualroute/route_list', 'manualroute/route_data',
  'manualroute/hosts_randomize', 'manualroute/host_find_failed', 'manualroute/host_all_ignored',
  'iplookup/hosts', 'iplookup/optional', 'iplookup/port', 'iplookup/protocol', 'iplookup/query', 'iplookup/reroute',
  'iplookup/response_pattern', 'iplookup/timeout',
  'queryprogram/command', 'queryprogram/command_user', 'queryprogram/command_group', 'queryprogram/current_directory', 'queryprogram/timeout',
  // callouts (src/verify/callout*.ts): the cache's lifetimes, the random local part, and the smtp
  // transport options a callout takes its target and greeting from
  'main/callout_domain_negative_expire', 'main/callout_domain_positive_expire', 'main/callout_negative_expire',
  'main/callout_positive_expire', 'main/callout_random_local_part',
  'smtp/port', 'smtp/interface', 'smtp/helo_data', 'smtp/hosts', 'smtp/hosts_override', 'smtp/protocol',
  'smtp/hosts_avoid_tls', 'smtp/hosts_verify_avoid_tls', 'smtp/hosts_require_tls',
  // generic driver options the configuration layer itself uses
  'routers/driver', 'transports/driver', 'authenticators/driver',
  'authenticators/public_name',
]);

/** Is `scope/name` acted on? A driver option counts under its driver or its kind. */
export function isImplemented(scope: string, name: string): boolean {
  return IMPLEMENTED_OPTIONS.has(`${scope}/${name}`);
}
