// A bounded, seeded fuzz of whole SMTP sessions against one real daemon
// (bin/tern -bdf) whose configuration turns many features on at once:
// PIPELINING, CHUNKING, SMTPUTF8, DSN, PRDR, AUTH (plaintext and
// CRAM-MD5), STARTTLS and ACLs at every stage that look at headers, body
// and MIME parts. Sessions come from a small grammar of commands with
// mutated arguments and bodies. Whatever the client sends, the daemon must
// answer with well-formed replies, stay up, log no internal error and leave
// only whole messages on the spool.
//
// FUZZ_SEED and FUZZ_SESSIONS run another seed or more sessions while
// hunting; FUZZ_ONLY=n runs just session n of the seed. FUZZ_ORACLE=exim4
// also runs every session against Debian's Exim with the same
// configuration and writes the sessions whose reply codes differ to
// $FUZZ_REPORT_DIR (default /tmp)/fuzz-diff-<seed>.txt: a hunting aid, since
// timing makes a few differ by chance (the default run needs no Exim).
// FUZZ_BUDGET_MS bounds the time spent starting sessions (45 s by default).
// Every difference fixed so far has a focused test in sync.test.ts or
// data-reader.test.ts.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { testCerts } from '../../helpers/certs.ts';
import { SmtpClient, type SmtpReply } from '../../helpers/smtp-client.ts';
import { startDaemon, type TernDaemon } from '../../helpers/tern-daemon.ts';
import { readDataFile, readHeaderFile } from '../../../src/spool/read.ts';
import { plainAuthenticator } from '../../helpers/authenticators.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const SESSIONS = Number(process.env.FUZZ_SESSIONS ?? 400);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const ORACLE = process.env.FUZZ_ORACLE === 'exim4';
const PARALLEL = 6;
/** Whole-run budget: the fuzz stops starting sessions after this. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    int,
    chance: (p) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    bytes: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(int(256));
      return s;
    },
  };
}

interface Rng {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** n random bytes as a latin1 string. */
  bytes(n: number): string;
}

// ---------------------------------------------------------------- grammar

/** One write and how many replies it should draw (fewer may come: the reader stops when the line goes quiet). */
type Step =
  | { kind: 'send'; data: string; expect: number }
  | { kind: 'starttls' }
  | { kind: 'cram'; user: string; good: boolean }
  | { kind: 'close' };

/** UTF-8 text as the latin1 byte string that goes on the wire. */
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const line = (s: string): Step => ({ kind: 'send', data: s + '\r\n', expect: 1 });
const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

function xtext(r: Rng): string {
  return r.pick(['abc', 'a+2Bb', 'a+2b', 'a+ZZ', 'a+', 'x'.repeat(110), 'a b', utf8('ü'), '+41+42', '']);
}

function localPart(r: Rng): string {
  return r.pick(['user', 'x', 'reject', 'defer', 'nohold', 'prdrno', '"quoted local"', '"a\\"b"', 'a.b', '.dot', 'a..b',
    utf8('ünï'), 'l'.repeat(r.pick([64, 65, 300])), 'a+tag', '__proto__', 'constructor', '', 'a@b', '%', 'postmaster']);
}

function domain(r: Rng): string {
  return r.pick(['test.example', 'b.example', 'reject.example', 'defer.example', '[127.0.0.1]', '[IPv6:::1]', '[999.1.1.1]',
    utf8('dömain.example'), 'd'.repeat(r.pick([63, 64, 300])) + '.example', '-bad-.example', 'a', '', 'x..y']);
}

function address(r: Rng): string {
  // half are plain good addresses, so that transactions often reach the message
  if (r.chance(0.5)) return `<${r.pick(['user', 'x', 'a.b', 'nohold', 'postmaster', 'reject', 'defer', 'prdrno'])}@${r.pick(['test.example', 'b.example'])}>`;
  const plain = `${localPart(r)}@${domain(r)}`;
  const v = r.int(14);
  if (v < 7) return `<${plain}>`;
  if (v === 7) return '<>';
  if (v === 8) return plain; // no brackets
  if (v === 9) return `<@route.example,@other.example:${plain}>`;
  if (v === 10) return `<${plain}`; // unterminated
  if (v === 11) return `Name <${plain}>`;
  if (v === 12) return `<${r.bytes(r.int(20))}>`;
  return `<${localPart(r)}>`; // unqualified
}

function mailParams(r: Rng): string {
  const all = [
    () => `SIZE=${r.pick(['100', '0', '999999999', '204801', '-1', 'abc', '', '1e3', '99999999999999999999'])}`,
    () => `BODY=${r.pick(['7BIT', '8BITMIME', 'BINARYMIME', 'bogus', ''])}`,
    () => 'SMTPUTF8',
    () => `SMTPUTF8=${r.pick(['yes', ''])}`,
    () => `RET=${r.pick(['FULL', 'HDRS', 'NONE', ''])}`,
    () => `ENVID=${xtext(r)}`,
    () => `AUTH=${r.pick(['<>', 'user@test.example', 'a+2Bb@x', 'a+ZZ', ''])}`,
    () => r.pick(['FOO=BAR', 'FOO', '=', 'X'.repeat(200) + '=1']),
  ];
  let s = '';
  for (let i = r.chance(0.5) ? 0 : r.int(4); i > 0; i--) s += ' ' + r.pick(all)();
  if (r.chance(0.05)) s += ' SIZE=10 SIZE=20'; // repeated
  return s;
}

function rcptParams(r: Rng): string {
  const all = [
    () => `NOTIFY=${r.pick(['SUCCESS', 'FAILURE,DELAY', 'NEVER', 'NEVER,SUCCESS', 'bogus', '', 'SUCCESS,SUCCESS'])}`,
    () => `ORCPT=${r.pick(['rfc822;', 'utf-8;', 'x;', '', 'noSemicolon'])}${xtext(r)}`,
    () => r.pick(['FOO=BAR', 'FOO', 'NOTIFY', 'ORCPT']),
  ];
  let s = '';
  for (let i = r.chance(0.5) ? 0 : r.int(3); i > 0; i--) s += ' ' + r.pick(all)();
  return s;
}

function helo(r: Rng): Step {
  const verb = r.pick(['EHLO', 'EHLO', 'EHLO', 'HELO', 'ehlo', 'LHLO']);
  const name = r.pick(['client.example', 'bad.example', '', '[127.0.0.1]', '[1.2.3]', utf8('ü.example'), 'a b c',
    'x'.repeat(300), r.bytes(8).replace(/[\r\n]/g, 'x'), '_under.score', 'client.example ']);
  return line(`${verb}${name === '' ? '' : ' ' + name}`);
}

function authSteps(r: Rng): Step[] {
  const good = b64('\0user\0secret');
  switch (r.int(10)) {
    case 0: return [line(`AUTH PLAIN ${good}`)];
    case 1: return [line(`AUTH PLAIN ${r.pick(['!!!!', 'AAA', '====', b64('\0user'), b64('no nuls'), b64(r.bytes(20)), '*', '='])}`)];
    case 2: return [line('AUTH PLAIN'), line(r.pick([good, '*', '', '!!!', b64(r.bytes(30))]))];
    case 3: return [line('AUTH LOGIN'), line(b64('user')), line(r.pick([b64('secret'), b64('wrong'), '*', '@@']))];
    case 4: return [line(`AUTH LOGIN ${r.pick([b64('user'), '%%%'])}`), line(r.pick([b64('secret'), '*']))];
    case 5: return [{ kind: 'cram', user: r.pick(['user', 'nobody']), good: r.chance(0.7) }];
    case 6: return [line('AUTH CRAM-MD5'), line(r.pick(['*', '', b64('user deadbeef'), 'garbage!']))];
    case 7: return [line(`AUTH ${r.pick(['GSSAPI', 'XOAUTH2', '', 'PLAIN PLAIN PLAIN', 'plain ' + good])}`)];
    case 8: return [line(`AUTH PLAIN ${good}`), line(`AUTH PLAIN ${good}`)]; // twice
    default: return [line('AUTH PLAIN ='), line('*')];
  }
}

const HEADER_NAMES = ['Subject', 'From', 'To', 'X-Fuzz', 'Message-ID', 'Date', 'Reply-To', 'Sender', 'Cc', 'Content-Type'];

function header(r: Rng): string {
  switch (r.int(12)) {
    case 0: return 'No colon here';
    case 1: return `X-\xe9\xff: eight-bit name`;
    case 2: return `Subject: folded\r\n\tcontinued\r\n  again`;
    case 3: return `__proto__: ${r.pick(['x', '{}', ''])}`;
    case 4: return `${r.pick(['From', 'To', 'Cc', 'Sender', 'Reply-To'])}: ${r.pick(['<<<', '"unterminated', 'a@b, ,', '@', 'x@y (comment', 'Group: a@b;', utf8('Ünï <u@x>'), ''])}`;
    case 5: return `X-Long: ${'h'.repeat(r.pick([998, 2000, 20000]))}`;
    case 6: return `Subject: ${r.pick(['REJECTME', 'DEFERME', 'hello', '=?utf-8?B?' + b64('ü') + '?=', '=?bogus?Q?x?=', ''])}`;
    case 7: return `X-Fuzz: ${r.bytes(10).replace(/[\r\n]/g, ' ')}`;
    case 8: return ': empty name';
    case 9: return `${r.pick(['constructor', 'hasOwnProperty', 'toString'])}: x`;
    case 10: return '\tleading continuation';
    default: return `${r.pick(HEADER_NAMES)}: value ${r.int(1000)}`;
  }
}

function mimePart(r: Rng, depth: number): string {
  const v = depth > 2 ? r.int(4) : r.int(7);
  switch (v) {
    case 0: return `Content-Type: text/plain\r\n\r\nplain part ${r.pick(['MIMEREJECT', 'ok'])}\r\n`;
    case 1: return `Content-Type: application/octet-stream; name="${r.pick(['f.bin', '', utf8('ü.exe'), '../../etc/passwd', 'a'.repeat(300)])}"\r\n`
      + `Content-Transfer-Encoding: base64\r\n\r\n${r.pick(['AAAA', '!!!not base64!!!', b64(r.bytes(50)), '====', 'QUJD\r\nREVG'])}\r\n`;
    case 2: return `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${r.pick(['=41=42', '=ZZ', '=\r\nsoft', '=4'])}\r\n`;
    case 3: return `Content-Type: ${r.pick(['', ';;;', 'text/plain; charset=', 'a/b; name*=utf-8\'\'%FF', 'message/rfc822'])}\r\n\r\nbody\r\n`;
    default: {
      const b = r.pick(['bnd', 'x'.repeat(80), '', '"quoted bnd"', 'bnd']);
      const parts: string[] = [];
      for (let i = r.int(3) + 1; i > 0; i--) parts.push(mimePart(r, depth + 1));
      const close = r.pick([`--${b}--`, '', `--${b}`, '--wrong--']);
      return `Content-Type: multipart/${r.pick(['mixed', 'alternative', 'related'])}; boundary=${b}\r\n\r\npreamble\r\n`
        + parts.map((p) => `--${b}\r\n${p}`).join('') + close + '\r\n';
    }
  }
}

/** A message: headers and body, CRLF lines, not dot-stuffed. */
function message(r: Rng): string {
  const heads: string[] = [];
  for (let i = r.int(6); i > 0; i--) heads.push(header(r));
  let body: string;
  if (r.chance(0.35)) {
    heads.push('MIME-Version: 1.0');
    const part = mimePart(r, 0);
    return heads.join('\r\n') + (heads.length ? '\r\n' : '') + part;
  }
  switch (r.int(8)) {
    case 0: body = 'bare\nLF\nlines\n'; break;
    case 1: body = 'bare\rCR\rhere\r\n'; break;
    case 2: body = 'nul\0byte\0\r\n'; break;
    case 3: body = 'x'.repeat(r.pick([1000, 10_000, 70_000])) + '\r\n'; break;
    case 4: body = '.\r\n..\r\n.x\r\n'; break; // dots (stuffed by the sender below)
    case 5: body = r.bytes(r.int(300)) + '\r\n'; break;
    case 6: body = 'x'.repeat(210_000) + '\r\n'; break; // over message_size_limit
    default: body = 'hello\r\n';
  }
  const sep = r.chance(0.9) ? '\r\n' : '';
  return heads.join('\r\n') + (heads.length ? '\r\n' : '') + sep + body;
}

const dotStuff = (m: string): string => m.replace(/(^|\r\n)\./g, '$1..');

function dataSteps(r: Rng): Step[] {
  const msg = message(r);
  const v = r.int(10);
  if (v < 6) {
    const end = r.pick(['\r\n.\r\n', '\r\n.\r\n', '\r\n.\r\n', '\n.\n', '\r\n.\n', '.\r\n']);
    const text = dotStuff(msg.endsWith('\r\n') ? msg.slice(0, -2) : msg) + end;
    // A wrong terminator leaves DATA open: the next step's text becomes message data.
    return [line('DATA'), { kind: 'send', data: text, expect: end === '\r\n.\r\n' ? 1 : 0 }];
  }
  if (v < 9) {
    // BDAT: one or more chunks, sizes right or wrong, LAST or not.
    const bytes = Buffer.from(msg, 'latin1');
    const chunks = r.int(3) + 1;
    const steps: Step[] = [];
    let pos = 0;
    for (let i = 0; i < chunks; i++) {
      const lastChunk = i === chunks - 1;
      const len = lastChunk ? bytes.length - pos : r.int(bytes.length - pos + 1);
      const chunk = bytes.subarray(pos, pos + len).toString('latin1');
      pos += len;
      const said = r.chance(0.85) ? String(len) : r.pick([String(len + 5), String(Math.max(0, len - 5)), 'x', '', '-3', '99999999999']);
      const last = lastChunk ? r.pick([' LAST', ' LAST', ' last', '', ' LAST extra']) : (r.chance(0.1) ? ' LAST' : '');
      steps.push({ kind: 'send', data: `BDAT ${said}${last}\r\n${chunk}`, expect: 1 });
    }
    if (r.chance(0.2)) steps.push(line('BDAT 0 LAST'));
    return steps;
  }
  return [line('DATA'), { kind: 'close' }]; // vanish mid-message
}

function transaction(r: Rng): Step[] {
  const steps: Step[] = [line(`${r.pick(['MAIL FROM:', 'MAIL FROM:', 'MAIL FROM:', 'MAIL FROM:', 'mail from:', 'MAIL FROM: ', 'MAIL', 'MAIL TO:'])}${address(r)}${mailParams(r)}`)];
  for (let i = r.int(4) + (r.chance(0.9) ? 1 : 0); i > 0; i--) {
    steps.push(line(`${r.pick(['RCPT TO:', 'RCPT TO:', 'RCPT TO:', 'RCPT TO:', 'rcpt to:', 'RCPT TO: ', 'RCPT FROM:'])}${address(r)}${rcptParams(r)}`));
  }
  if (r.chance(0.85)) steps.push(...dataSteps(r));
  else steps.push(line(r.pick(['RSET', 'DATA', 'BDAT 10 LAST', 'NOOP'])));
  return steps;
}

function noise(r: Rng): Step {
  switch (r.int(12)) {
    case 0: return line(r.pick(['NOOP', 'NOOP arg', 'RSET', 'HELP', 'HELP MAIL', 'VRFY user', 'EXPN list', 'ETRN x', 'XCLIENT ADDR=1.2.3.4']));
    case 1: return line(r.bytes(r.int(40)).replace(/[\r\n]/g, ''));
    case 2: return { kind: 'send', data: r.bytes(r.int(200)), expect: 0 }; // random bytes, newlines maybe
    case 3: return line('');
    case 4: return line('X'.repeat(r.pick([500, 5000, 20000])));
    case 5: return line(r.pick(['STARTTLS', 'STARTTLS now', 'starttls']));
    case 6: return line('\0NOOP');
    case 7: return line(r.pick(['QUIT extra', 'DATA extra', 'BDAT', 'BDAT 5 FIRST', 'PRDR']));
    case 8: return { kind: 'send', data: 'NOOP\nNOOP\r\n', expect: 2 }; // bare LF line end
    default: return line(r.pick(['FOO', 'MAIL', 'RCPT', 'GET / HTTP/1.0', 'AUTH']));
  }
}

/** Join consecutive single-line sends into one write: a pipelined burst. */
function pipeline(r: Rng, steps: Step[]): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    const prev = out[out.length - 1];
    if (s.kind === 'send' && prev?.kind === 'send' && r.chance(0.5) && !/^(DATA|BDAT)/i.test(prev.data)) {
      out[out.length - 1] = { kind: 'send', data: prev.data + s.data, expect: prev.expect + s.expect };
    } else {
      out.push(s);
    }
  }
  return out;
}

function session(r: Rng): Step[] {
  const steps: Step[] = [];
  if (r.chance(0.03)) steps.push({ kind: 'send', data: r.bytes(r.int(30)) + '\r\n', expect: 1 });
  if (r.chance(0.9)) steps.push(r.chance(0.5) ? line('EHLO client.example') : helo(r));
  if (r.chance(0.15)) {
    steps.push({ kind: 'starttls' });
    if (r.chance(0.8)) steps.push(helo(r));
  }
  if (r.chance(0.3)) steps.push(...authSteps(r));
  for (let t = r.int(3) + 1; t > 0; t--) {
    if (r.chance(0.3)) steps.push(noise(r));
    steps.push(...transaction(r));
  }
  if (r.chance(0.2)) steps.push(noise(r));
  if (r.chance(0.85)) steps.push(line('QUIT'));
  else steps.push({ kind: 'close' });
  return r.chance(0.4) ? pipeline(r, steps) : steps;
}

// ---------------------------------------------------------------- runner

interface Transcript {
  replies: SmtpReply[];
  log: string[];
  /** True when the session reached its end (QUIT answered, deliberate close, or the server closed). */
  ended: boolean;
}

/** Collect replies until `want` have come, the server closed, or nothing new arrives for quietMs. */
async function collect(c: SmtpClient, want: number, quietMs: number, into: SmtpReply[]): Promise<void> {
  let got = 0;
  while (got < want || want === 0) {
    let r: SmtpReply | null;
    try {
      r = await c.reply(quietMs);
    } catch {
      return; // quiet
    }
    if (!r) return; // closed
    into.push(r);
    got++;
  }
}

async function runSession(port: number, steps: Step[], ca: Buffer): Promise<Transcript> {
  const t: Transcript = { replies: [], log: [], ended: false };
  const c = await SmtpClient.connect(port);
  try {
    await collect(c, 1, 5000, t.replies);
    for (const s of steps) {
      if (c.closed) break;
      if (s.kind === 'close') {
        t.log.push('(client closes)');
        break;
      }
      if (s.kind === 'send') {
        t.log.push(`C: ${JSON.stringify(s.data.length > 300 ? s.data.slice(0, 300) + `...(${s.data.length})` : s.data)}`);
        c.write(Buffer.from(s.data, 'latin1'));
        await collect(c, s.expect, s.expect ? 1000 : 150, t.replies);
        continue;
      }
      if (s.kind === 'starttls') {
        t.log.push('C: STARTTLS (handshake)');
        c.write('STARTTLS\r\n');
        const r = await c.reply(3000);
        if (!r) break;
        t.replies.push(r);
        if (r.code === 220) {
          try {
            await c.startTls(ca);
          } catch (e) {
            t.log.push(`TLS failed: ${String(e)}`);
            break;
          }
        }
        continue;
      }
      // CRAM-MD5: answer the server's challenge
      t.log.push(`C: AUTH CRAM-MD5 (${s.user}, ${s.good ? 'right' : 'wrong'} secret)`);
      c.write('AUTH CRAM-MD5\r\n');
      const ch = await c.reply(3000);
      if (!ch) break;
      t.replies.push(ch);
      if (ch.code !== 334) continue;
      const challenge = Buffer.from(ch.lines[0], 'base64');
      const digest = crypto.createHmac('md5', s.good ? 'secret' : 'wrong').update(challenge).digest('hex');
      c.write(b64(`${s.user} ${digest}`) + '\r\n');
      await collect(c, 1, 3000, t.replies);
    }
    const last = steps[steps.length - 1];
    if (last?.kind !== 'close') await collect(c, 0, 300, t.replies);
    t.ended = true;
  } finally {
    c.close();
  }
  return t;
}

const codes = (t: Transcript): string => t.replies.map((r) => r.code).join(' ');

// ---------------------------------------------------------------- the test

const FEATURES = `
primary_hostname = test.example
qualify_domain = test.example
queue_only
keep_environment =
smtp_max_synprot_errors = 1000
smtp_max_unknown_commands = 1000
smtp_accept_max = 0
recipients_max = 50
message_size_limit = 200k
pipelining_advertise_hosts = *
chunking_advertise_hosts = *
smtputf8_advertise_hosts = *
dsn_advertise_hosts = *
prdr_enable = true
auth_advertise_hosts = *
tls_advertise_hosts = *
acl_smtp_connect = c_connect
acl_smtp_helo = c_helo
acl_smtp_mail = c_mail
acl_smtp_rcpt = c_rcpt
acl_smtp_predata = c_predata
acl_smtp_data = c_data
acl_smtp_mime = c_mime
acl_smtp_data_prdr = c_prdr
log_selector = +smtp_connection +smtp_protocol_error +smtp_syntax_error

begin acl

c_connect:
  warn    set acl_c0 = conn
  accept

c_helo:
  deny    condition = \${if eq{$sender_helo_name}{bad.example}}
          message = helo refused
  accept

c_mail:
  warn    set acl_m0 = \${length_20:$sender_address}
  deny    senders = *@reject.example
          message = sender refused
  defer   senders = *@defer.example
  accept

c_rcpt:
  deny    local_parts = reject
  defer   local_parts = defer
  warn    ratelimit = 1000 / 1m / per_rcpt / $sender_host_address
  warn    add_header = X-Rcpt: $local_part
  accept  local_parts = nohold
          control = no_pipelining
  accept  local_parts = postmaster
          control = no_enforce_sync
  accept

c_predata:
  warn    add_header = X-M0: $acl_m0
  accept

c_data:
  warn    !verify = header_syntax
          add_header = X-Bad-Headers: $acl_verify_message
  deny    regex = REJECTME
          message = subject refused
  defer   regex = DEFERME
  warn    condition = \${if def:h_X-Fuzz:}
          set acl_m1 = $h_X-Fuzz:
  accept

c_mime:
  deny    mime_regex = MIMEREJECT
          message = mime refused
  warn    condition = \${if eq{$mime_content_type}{application/octet-stream}}
          add_header = X-Mime-Bin: $mime_filename
  accept

c_prdr:
  deny    local_parts = prdrno
  accept

begin authenticators

${plainAuthenticator('user', 'secret')}
LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = User: : Password:
  server_condition = \${if and {{eq{$auth1}{user}}{eq{$auth2}{secret}}}}
  server_set_id = $auth1

CRAM:
  driver = cram_md5
  public_name = CRAM-MD5
  server_secret = \${if eq{$auth1}{user}{secret}fail}
  server_set_id = $auth1
`;

const daemons: TernDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

/** Every -H on the spool parses and has its -D; no temporary header file is left. */
function checkSpool(d: TernDaemon): string[] {
  const problems: string[] = [];
  const input = path.join(d.spoolDir, 'input');
  let names: string[];
  try {
    names = fs.readdirSync(input);
  } catch {
    return problems;
  }
  for (const n of names) {
    if (n.startsWith('hdr.')) problems.push(`temporary header file left: ${n}`);
    if (n.endsWith('-D') && !names.includes(n.slice(0, -2) + '-H')) problems.push(`-D without -H: ${n}`);
    if (!n.endsWith('-H')) continue;
    const id = n.slice(0, -2);
    if (!names.includes(`${id}-D`)) problems.push(`-H without -D: ${n}`);
    try {
      const msg = readHeaderFile(path.join(input, n));
      assert.equal(msg.id, id);
      readDataFile(path.join(input, `${id}-D`), id);
    } catch (e) {
      problems.push(`${id}: ${String(e)}`);
    }
  }
  return problems;
}

test(`fuzzed SMTP sessions (seed ${SEED}, ${SESSIONS} sessions): the daemon answers, stays up and spools only whole messages`, { timeout: BUDGET_MS + 60_000 }, async () => {
  const certs = testCerts();
  const ca = fs.readFileSync(certs.caCert);
  const config = `tls_certificate = ${certs.serverCert}\ntls_privatekey = ${certs.serverKey}\n${FEATURES}`;
  const d = await startDaemon({ config, workers: 2 });
  daemons.push(d);
  const oracle = ORACLE ? await startDaemon({ config, program: 'exim4' }) : undefined;
  if (oracle) daemons.push(oracle);

  const failures: string[] = [];
  const differences: string[] = [];
  /** Ids the daemon acknowledged with 250: each must be on the spool (queue_only keeps them there). */
  const acknowledged: string[] = [];
  const started = Date.now();
  let ran = 0;
  const indexes = ONLY === undefined ? Array.from({ length: SESSIONS }, (_, i) => i) : [ONLY];
  const total = indexes.length;
  const work = async (): Promise<void> => {
    for (let i = indexes.shift(); i !== undefined; i = indexes.shift()) {
      if (Date.now() - started > BUDGET_MS) return;
      const steps = session(prng(SEED * 7919 + i));
      const describe = (t?: Transcript): string => `session ${i} (FUZZ_SEED=${SEED} FUZZ_ONLY=${i}):\n  ${
        (t?.log ?? []).join('\n  ')}\n  S: ${(t?.replies ?? []).map((r) => r.raw).join('\n  S: ')}`;
      try {
        const [t, o] = await Promise.all([runSession(d.port, steps, ca), oracle ? runSession(oracle.port, steps, ca) : undefined]);
        ran++;
        const bad = t.replies.find((r) => !(r.code >= 200 && r.code < 600) || r.raw.split('\n').some((l) => !/^\d{3}[ -]/.test(l) && l !== ''));
        if (bad) failures.push(`malformed reply ${JSON.stringify(bad.raw)} in ${describe(t)}`);
        for (const r of t.replies) {
          const id = /^250 OK id=(\S+)$/m.exec(r.raw)?.[1];
          if (id) acknowledged.push(id);
        }
        if (o && codes(o) !== codes(t)) differences.push(`${describe(t)}\n  exim4: ${o.replies.map((r) => r.raw).join('\n  exim4: ')}`);
      } catch (e) {
        failures.push(`${String(e)} in ${describe()}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, work));
  if (differences.length) {
    fs.writeFileSync(path.join(process.env.FUZZ_REPORT_DIR ?? '/tmp', `fuzz-diff-${SEED}.txt`), differences.join('\n\n'));
    console.log(`${differences.length} sessions differ from exim4 (written to fuzz-diff-${SEED}.txt)`);
  }

  // A clean session still gets its message accepted.
  const c = await SmtpClient.connect(d.port);
  assert.equal((await c.reply())?.code, 220);
  assert.equal((await c.command('EHLO clean.example')).code, 250);
  assert.equal((await c.command('MAIL FROM:<clean@b.example>')).code, 250);
  assert.equal((await c.command('RCPT TO:<clean@test.example>')).code, 250);
  assert.equal((await c.command('DATA')).code, 354);
  assert.match((await c.command('Subject: clean\r\n\r\nafter the fuzz\r\n.')).raw, /^250 OK id=/);
  assert.equal((await c.command('QUIT')).code, 221);
  c.close();

  // Sessions cut short by the client may still be finishing in the workers.
  await new Promise((r) => setTimeout(r, 500));
  const seedNote = `(seed ${SEED}, ${ran} sessions run, ${acknowledged.length} messages accepted)`;
  console.log(`fuzz: ${seedNote}`);
  assert.deepEqual(failures, [], `session failures ${seedNote}`);
  assert.equal(d.log('panic'), '', `paniclog ${seedNote}`);
  assert.doesNotMatch(d.stderr(), /\n\s+at |internal error|Error:/, `stderr ${seedNote}`);
  assert.doesNotMatch(d.log('main'), /internal error|worker .*exited/i, `mainlog ${seedNote}`);
  assert.deepEqual(checkSpool(d), [], `spool ${seedNote}`);
  // the run must have reached the spool, or the checks above prove little
  assert.ok(acknowledged.length > 0 || total < 20, `no message was accepted ${seedNote}`);
  const spooled = new Set(d.spooledIds());
  assert.deepEqual(acknowledged.filter((id) => !spooled.has(id)), [], `acknowledged messages missing from the spool ${seedNote}`);
  // The time budget may cut a slow run short, but never to a handful.
  assert.ok(ran >= Math.min(total, 50), `ran ${ran} sessions ${seedNote}`);
});
