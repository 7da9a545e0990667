// What the receiving-mail integration tests share: one configuration in the
// shape of an ordinary Exim MX (TLS, PLAIN/LOGIN/CRAM-MD5 authenticators, a
// recipient ACL that rejects and defers, a size limit, DSN advertised), and
// the real clients that talk to it: swaks and Python's smtplib.
//
// Replies and log lines the tests expect were recorded from Debian's Exim
// 4.98 run with the same configuration (test/fixtures/integration/).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { plainAuthenticator } from '../helpers/authenticators.ts';
import { testCerts } from '../helpers/certs.ts';
import { run, type ProcessResult, type SpooledMessage, type TernDaemon, type TernSetup } from '../helpers/tern-daemon.ts';

export const USER = 'alice';
export const PASSWORD = 's3cret';
export const SIZE_LIMIT = 20 * 1024;

export function mxConfig(extra = ''): string {
  const c = testCerts();
  return `
primary_hostname = mx.example.com
queue_only = true
message_size_limit = 20K
dsn_advertise_hosts = *
tls_advertise_hosts = *
tls_certificate = ${c.serverCert}
tls_privatekey = ${c.serverKey}
log_selector = +pipelining
acl_smtp_rcpt = acl_check_rcpt
${extra}

begin acl

acl_check_rcpt:
  deny    local_parts = reject
          message = Rejected by policy for $local_part
  defer   local_parts = defer
          message = Try again later, $local_part
  accept

begin authenticators

${plainAuthenticator(USER, PASSWORD)}
LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and {{eq{$auth1}{${USER}}}{eq{$auth2}{${PASSWORD}}}}}
  server_set_id = $auth1

CRAM:
  driver = cram_md5
  public_name = CRAM-MD5
  server_secret = \${if eq{$auth1}{${USER}}{${PASSWORD}}fail}
  server_set_id = $auth1
`;
}

export const fixtures = path.resolve(import.meta.dirname, '../fixtures/integration');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(fixtures, name), 'utf8');
}

// ---- swaks ----

export interface SwaksResult extends ProcessResult {
  /** Server reply lines ("250 OK", "550 ..."), in order. */
  replies: string[];
  /** The id of the 250 after DATA, if the message was accepted. */
  id?: string;
}

/** Run swaks against the daemon (its port unless --server or --pipe is among args). */
export async function swaks(d: TernDaemon | undefined, args: string[]): Promise<SwaksResult> {
  const base = d && !args.includes('--server') && !args.includes('--pipe') ? ['--server', `127.0.0.1:${d.port}`] : [];
  const withAddresses = [
    ...base,
    ...(args.includes('--from') ? [] : ['--from', 'sender@example.org']),
    ...(args.includes('--to') ? [] : ['--to', 'rcpt@example.com']),
    '--helo', 'client.example.net',
    ...args,
  ];
  const r = await run('swaks', withAddresses);
  // swaks marks server lines "<-" (plaintext), "<~" (TLS), "<**" / "<~*" (error replies).
  const replies = r.stdout.split('\n').filter((l) => /^<(?:-|~|\*\*|~\*) /.test(l)).map((l) => l.replace(/^<\S* +/, ''));
  const id = /^250 OK id=(\S+)$/m.exec(replies.join('\n'))?.[1];
  return { ...r, replies, id };
}

// ---- Python ----

/** Run a Python 3 script (smtplib and friends); parameters reach it as environment variables. */
export async function python(script: string, env: Record<string, string | number>): Promise<ProcessResult> {
  const vars = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return run('python3', ['-'], { input: script, env: { ...process.env, ...vars, PYTHONIOENCODING: 'utf-8' } });
}

/** The JSON a script printed on its last line of stdout. */
export function pythonJson<T>(r: ProcessResult): T {
  assert.equal(r.code, 0, `python failed: ${r.stderr}\n${r.stdout}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

// ---- checks on what was received ----

/**
 * The message as spooled, its mainlog `<=` line, and whether `-bp` lists it
 * (asserted unless opts.reportListing: then `listed` says it).
 */
export async function spooled(d: TernSetup, id: string | undefined, opts: { reportListing?: boolean } = {}): Promise<SpooledMessage & { arrival: string; listed: boolean }> {
  assert.ok(id, 'the message was accepted with an id');
  assert.match(id, /^[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}$/, 'an Exim 4.97+ message id');
  const arrival = await d.arrivalLine(id);
  const m = d.readMessage(id);
  assert.equal(m.header.id, id);
  const bp = d.tern(['-bp']);
  assert.equal(bp.status, 0, bp.stderr);
  // Spool strings are bytes; -bp prints them as they are (UTF-8 for SMTPUTF8 senders).
  const sender = Buffer.from(m.header.sender, 'latin1').toString('utf8').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const listed = new RegExp(`^ *\\S+ +\\S+ ${id} <${sender}>$`, 'm').test(bp.stdout);
  if (!opts.reportListing) assert.ok(listed, `-bp lists ${id} <${sender}>:\n${bp.stdout}`);
  return { ...m, arrival, listed };
}

/**
 * S= of a `<=` line is the size of the message as spooled: header lines
 * (Received: included), the blank line after them, and the body.
 */
export function spooledSize(m: SpooledMessage): number {
  return m.header.headers.reduce((n, h) => n + Buffer.byteLength(h.text, 'latin1'), 0) + 1 + m.body.length;
}

/** The value of a Name=value field of a log line (e.g. "P", "S", "A", "X"). */
export function logField(line: string, name: string): string | undefined {
  return new RegExp(` ${name}=(\\S+)`).exec(line)?.[1];
}

/** Header lines of a spooled message by name (case-insensitive), as written. */
export function headersNamed(m: SpooledMessage, name: string): string[] {
  const re = new RegExp(`^${name}:`, 'i');
  return m.header.headers.filter((h) => h.flag !== '*' && re.test(h.text)).map((h) => h.text);
}
