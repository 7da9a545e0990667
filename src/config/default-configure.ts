// tern's built-in configuration, used when no configuration file exists.
// It follows the spec's chapter "The default configuration file", adapted to
// run unprivileged on loopback: port 2525, everything under one data
// directory, mail delivered to <data>/mail/<local part> as the invoking user.
//
// The data directory comes from the TERN_DATA_DIR macro, which loadConfig
// defines from src/config/defaults.ts dataDir() ($TERN_DATA_DIR or
// <repository>/data) unless -DTERN_DATA_DIR=... overrides it.

export const DEFAULT_CONFIG_NAME = '(built-in default configuration)';

export const DEFAULT_CONFIGURE = `
# tern built-in default configuration

domainlist local_domains = @ : localhost
domainlist relay_to_domains =
hostlist   relay_from_hosts = <; 127.0.0.1 ; ::1

local_interfaces = <; 127.0.0.1 ; ::1
daemon_smtp_ports = 2525

spool_directory = TERN_DATA_DIR/spool
log_file_path = TERN_DATA_DIR/log/%slog
pid_file_path = TERN_DATA_DIR/run/tern.pid

acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

host_lookup = *
dns_dnssec_ok = 1
log_selector = +smtp_protocol_error +smtp_syntax_error
ignore_bounce_errors_after = 2d
timeout_frozen_after = 7d
keep_environment =

begin acl

acl_check_rcpt:
  accept  hosts = :
  deny    message       = Restricted characters in address
          domains       = +local_domains
          local_parts   = ^[.] : ^.*[@%!/|]
  deny    message       = Restricted characters in address
          domains       = !+local_domains
          local_parts   = ^[./|] : ^.*[@%!] : ^.*/\\\\.\\\\./
  accept  local_parts   = postmaster
          domains       = +local_domains
  require verify        = sender
  accept  hosts         = +relay_from_hosts
          control       = submission
  accept  authenticated = *
          control       = submission
  require message = relay not permitted
          domains = +local_domains : +relay_to_domains
  require verify = recipient
  accept

acl_check_data:
  deny    condition  = \${if > {$max_received_linelength}{998}}
          message    = maximum allowed line length is 998 octets, \\
                       got $max_received_linelength
  accept

begin routers

dnslookup:
  driver = dnslookup
  domains = ! +local_domains
  transport = remote_smtp
  ignore_target_hosts = 0.0.0.0 : 127.0.0.0/8
  no_more

localuser:
  driver = accept
  domains = +local_domains
  check_local_user
  transport = local_delivery
  cannot_route_message = Unknown user

begin transports

remote_smtp:
  driver = smtp

local_delivery:
  driver = appendfile
  file = TERN_DATA_DIR/mail/$local_part_data
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry

*                      *           F,2h,15m; G,16h,1h,1.5; F,4d,6h

begin rewrite

begin authenticators
`;
