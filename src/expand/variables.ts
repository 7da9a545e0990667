// Expansion variables by name. Other subsystems put values into ctx.vars
// under Exim's names; this registry says which names exist (an unknown name
// is a static error, as in Exim), what a name is when nobody has set it, and
// computes the few that are functions of the process or the clock.

import os from 'node:os';
import fs from 'node:fs';
import type { ExpandContext, VarValue } from './context.ts';

/** A variable's current value: a plain string is untainted. */
export type VarGetter = (ctx: ExpandContext) => VarValue | string;

const registry = new Map<string, VarGetter>();

/** Make a variable known, computed by getter. */
export function registerVariable(name: string, getter: VarGetter): void {
  registry.set(name, getter);
}

/** A variable that is whatever ctx.vars holds, else the default. */
function stored(name: string, dflt = ''): void {
  registry.set(name, (ctx) => ctx.vars.get(name) ?? dflt);
}

// Variables that are empty unless a subsystem sets them.
for (const n of `acl_verify_message address_data arc_domains arc_oldest_pass arc_state arc_state_reason address_file address_pipe atrn_host atrn_mode auth1 auth2 auth3 auth4
  authenticated_fail_id authenticated_id authenticated_sender bounce_recipient callout_address csa_status
  dkim_algo dkim_canon_body dkim_canon_headers dkim_copiedheaders dkim_cur_signer dkim_domain dkim_headernames
  dkim_identity dkim_key_notes dkim_selector dkim_signers dkim_verify_reason dkim_verify_status dmarc_alignment_dkim
  dmarc_alignment_spf dmarc_domain_policy dmarc_status dmarc_status_text dmarc_used_domain dnslist_domain dnslist_matched dnslist_text dnslist_value domain
  domain_data event_data event_name headers_added home host host_address host_data interface_address ldap_dn
  local_part local_part_data local_part_prefix local_part_prefix_v local_part_suffix local_part_suffix_v
  local_scan_data lookup_dnssec_authenticated mailstore_basename malware_name message_exim_id message_id
  mime_anomaly_text mime_boundary mime_charset mime_content_description mime_content_disposition mime_content_id
  mime_content_transfer_encoding mime_content_type mime_decoded_filename mime_filename original_domain
  original_local_part parent_domain parent_local_part proxy_external_address proxy_local_address prvscheck_address
  prvscheck_keynum prvscheck_result queue_name queue_size r_ received_for received_ip_address received_protocol
  recipient_data recipient_verify_failure recipients recipients_list regex_match_string reply_address return_path
  router_name self_hostname sender_address_data sender_data sender_fullhost sender_helo_name sender_host_address
  sender_host_authenticated sender_host_name sender_rate sender_rate_limit sender_rate_period sender_rcvhost
  sender_verify_failure sending_ip_address smtp_command smtp_command_argument smtp_command_history smtp_notquit_reason
  spam_action spam_bar spam_report spam_score spam_score_int spf_header_comment spf_received spf_result
  spf_smtp_comment srs_recipient thisaddress tls_cipher tls_in_cipher tls_in_cipher_std tls_in_ourcert tls_in_peercert
  tls_in_peerdn tls_in_sni tls_in_ver tls_out_cipher tls_out_cipher_std tls_out_ourcert tls_out_peercert tls_out_peerdn
  tls_out_sni tls_out_ver tls_peerdn tls_sni transport_name verify_mode warn_message_delay warn_message_recipients
  value item sender_address sender_address_domain sender_address_local_part sender_ident
  acl_arg1 acl_arg2 acl_arg3 acl_arg4 acl_arg5 acl_arg6 acl_arg7 acl_arg8 acl_arg9
  connection_id regex1 regex2 regex3 regex4 regex5 regex6 regex7 regex8 regex9 inode`.split(/\s+/)) {
  if (n) stored(n);
}

// Variables with a non-empty value when nothing has set them.
const DEFAULTS: Record<string, string> = {
  acl_narg: '0', authentication_failed: '0', av_failed: '0', body_linecount: '0', body_zerocount: '0',
  bounce_return_size_limit: '102400', return_size_limit: '102400', dkim_bodylength: '9999999999999', dkim_created: '0',
  dkim_expires: '9999999999999', dkim_key_granularity: '*', dkim_key_length: '0', dkim_key_nosubdomains: '0',
  dkim_key_srvtype: '*', dkim_key_testing: '0', event_defer_errno: '0', host_lookup_deferred: '0',
  host_lookup_failed: '0', host_port: '0', interface_port: '-1', localhost_number: '0', local_user_gid: '4294967295',
  local_user_uid: '4294967295', max_received_linelength: '0', message_age: '0', message_body_size: '0',
  message_linecount: '0', message_size: '0', message_smtputf8: 'no', mime_anomaly_level: '0', mime_content_size: '0',
  mime_is_coverletter: '0', mime_is_multipart: '0', mime_is_rfc822: '0', mime_part_count: '-1', prdr_requested: 'no',
  proxy_external_port: '0', proxy_local_port: '0', proxy_session: 'no', rcpt_count: '0', rcpt_defer_count: '0',
  rcpt_fail_count: '0', received_count: '0', received_port: '-1', received_time: '0', recipients_count: '0',
  runrc: '0', sender_helo_dnssec: 'no', sender_host_dnssec: 'no', sender_host_port: '0', sending_port: '-1',
  smtp_count_at_connection_start: '0', spf_result_guessed: 'no', tls_bits: '0', tls_certificate_verified: '0',
  tls_in_bits: '0', tls_in_certificate_verified: '0', tls_in_ocsp: '0', tls_in_resumption: '0', tls_out_bits: '0',
  tls_out_certificate_verified: '0', tls_out_dane: 'no', tls_out_ocsp: '0', tls_out_resumption: '0',
  tls_out_tlsa_usage: '0', compile_number: '1',
};
for (const [n, d] of Object.entries(DEFAULTS)) stored(n, d);

/** The Exim release whose behaviour tern follows. */
export const EXIM_VERSION = '4.99';

const opt = (ctx: ExpandContext, name: string): string | undefined => ctx.vars.get(name)?.value ?? ctx.options?.get(name);
export function primaryHostname(ctx: ExpandContext): string {
  return opt(ctx, 'primary_hostname') ?? os.hostname();
}
const uid = (): string => String(process.getuid?.() ?? 0);
const gid = (): string => String(process.getgid?.() ?? 0);
const initialCwd = process.cwd();

registerVariable('primary_hostname', primaryHostname);
registerVariable('smtp_active_hostname', (ctx) => opt(ctx, 'smtp_active_hostname') ?? primaryHostname(ctx));
registerVariable('qualify_domain', (ctx) => opt(ctx, 'qualify_domain') ?? primaryHostname(ctx));
registerVariable('qualify_recipient', (ctx) => opt(ctx, 'qualify_recipient') ?? opt(ctx, 'qualify_domain') ?? primaryHostname(ctx));
registerVariable('exim_version', () => EXIM_VERSION);
registerVariable('version_number', () => EXIM_VERSION);
registerVariable('pid', () => String(process.pid));
registerVariable('caller_uid', (ctx) => opt(ctx, 'caller_uid') ?? uid());
registerVariable('caller_gid', (ctx) => opt(ctx, 'caller_gid') ?? gid());
registerVariable('originator_uid', (ctx) => opt(ctx, 'originator_uid') ?? uid());
registerVariable('originator_gid', (ctx) => opt(ctx, 'originator_gid') ?? gid());
registerVariable('exim_uid', (ctx) => opt(ctx, 'exim_uid') ?? uid());
registerVariable('exim_gid', (ctx) => opt(ctx, 'exim_gid') ?? gid());
registerVariable('exim_path', (ctx) => opt(ctx, 'exim_path') ?? process.argv[1] ?? '');
registerVariable('config_file', (ctx) => opt(ctx, 'config_file') ?? '');
registerVariable('config_dir', (ctx) => {
  const f = opt(ctx, 'config_file') ?? '';
  const slash = f.lastIndexOf('/');
  return opt(ctx, 'config_dir') ?? (slash > 0 ? f.slice(0, slash) : slash === 0 ? '/' : '');
});
registerVariable('spool_directory', (ctx) => opt(ctx, 'spool_directory') ?? '');
registerVariable('initial_cwd', () => initialCwd);
registerVariable('load_average', () => String(Math.trunc(os.loadavg()[0] * 1000)));

function fsFree(path: string | undefined, what: 'space' | 'inodes'): string {
  if (!path) return '-1';
  try {
    const s = fs.statfsSync(path);
    return what === 'space' ? String(Math.floor((s.bavail * s.bsize) / 1024)) : String(s.ffree);
  } catch {
    return '-1';
  }
}
registerVariable('spool_space', (ctx) => fsFree(opt(ctx, 'spool_directory'), 'space'));
registerVariable('spool_inodes', (ctx) => fsFree(opt(ctx, 'spool_directory'), 'inodes'));
registerVariable('log_space', (ctx) => fsFree(opt(ctx, 'log_file_path')?.replace(/\/[^/]*%s.*$/, '') ?? opt(ctx, 'spool_directory'), 'space'));
registerVariable('log_inodes', (ctx) => fsFree(opt(ctx, 'log_file_path')?.replace(/\/[^/]*%s.*$/, '') ?? opt(ctx, 'spool_directory'), 'inodes'));

// Message-derived variables.
registerVariable('message_headers', (ctx) => headersText(ctx, false));
registerVariable('message_headers_raw', (ctx) => headersText(ctx, true));
registerVariable('message_body', (ctx) => bodyText(ctx, false));
registerVariable('message_body_end', (ctx) => bodyText(ctx, true));

function headersText(ctx: ExpandContext, raw: boolean): VarValue {
  const h = ctx.headers ?? [];
  let s = h.join('');
  // as Exim 4.98: folded lines stay folded in both; only the decoded form drops the final newline
  if (!raw && s.endsWith('\n')) s = s.slice(0, -1);
  return { value: s, tainted: h.length > 0 };
}

/** $message_body: the first (or last) message_body_visible bytes, newlines as spaces. */
function bodyText(ctx: ExpandContext, end: boolean): VarValue {
  const body = ctx.body ?? '';
  const limit = Number(ctx.options?.get('message_body_visible') ?? 500);
  const part = end ? body.slice(Math.max(0, body.length - limit)) : body.slice(0, limit);
  return { value: part.replace(/\n/g, ' '), tainted: body.length > 0 };
}

// Times, computed at read.
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? '0' : '') + n;
function zoneOf(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return (off < 0 ? '-' : '+') + p2(Math.floor(a / 60)) + p2(a % 60);
}
/** Exim's time formats, exported for operators/logs that print the same forms. */
export function todFormat(kind: string, d = new Date()): string {
  const Y = d.getFullYear(), M = d.getMonth(), D = d.getDate();
  const hms = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  switch (kind) {
    case 'bsdinbox': return `${DAYS[d.getDay()]} ${MONTHS[M]} ${D < 10 ? ' ' + D : D} ${hms} ${Y}`;
    case 'epoch': return String(Math.floor(d.getTime() / 1000));
    // microseconds, as Exim's gettimeofday() gives them (one clock: the time origin plus a monotonic offset)
    case 'epoch_l': return String(Math.floor((performance.timeOrigin + performance.now()) * 1000));
    case 'full': return `${DAYS[d.getDay()]}, ${p2(D)} ${MONTHS[M]} ${Y} ${hms} ${zoneOf(d)}`;
    case 'log': return `${Y}-${p2(M + 1)}-${p2(D)} ${hms}`;
    case 'logfile': return `${Y}${p2(M + 1)}${p2(D)}`;
    case 'zone': return zoneOf(d);
    case 'zulu': {
      const u = d;
      return `${u.getUTCFullYear()}${p2(u.getUTCMonth() + 1)}${p2(u.getUTCDate())}${p2(u.getUTCHours())}${p2(u.getUTCMinutes())}${p2(u.getUTCSeconds())}Z`;
    }
    default: throw new Error(`unknown time format ${kind}`);
  }
}
for (const k of ['bsdinbox', 'epoch', 'epoch_l', 'full', 'log', 'logfile', 'zone', 'zulu']) {
  registerVariable('tod_' + k, () => todFormat(k));
}

/**
 * Resolve a variable name to its getter, or give Exim's reason it is unknown.
 * Names set by the evaluator itself ($value, $item, $0..$9) are not here.
 */
export function resolveVariable(name: string): VarGetter | { error: string } {
  const g = registry.get(name);
  if (g) return g;
  if (name.startsWith('acl_')) {
    const c = name[4];
    if ((c === 'c' || c === 'm') && name.length > 5) {
      const sixth = name[5];
      if (!(sixth === '_' || (sixth >= '0' && sixth <= '9'))) {
        return { error: `unknown variable name "${name}" (6th character of a user-defined ACL variable must be a digit or underscore)` };
      }
    } else if (c !== 'c' && c !== 'm') {
      return { error: `unknown variable name "${name}" (user-defined ACL variables must start acl_c or acl_m)` };
    }
    return (ctx) => ctx.vars.get(name) ?? '';
  }
  // $sender_rate_* style families
  if (name.startsWith('sender_rate_') || name.startsWith('r_')) return (ctx) => ctx.vars.get(name) ?? '';
  return { error: `unknown variable name "${name}"` };
}

export function variableNames(): string[] {
  return [...registry.keys()].sort();
}
