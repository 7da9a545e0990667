// -bf FILE / -bF FILE: test a user's filter (or .forward) file and a system
// filter against a message read from stdin (filter.xfpt, "Testing a new
// filter file"; spec, -bf/-bF/-bfd/-bfl/-bfp/-bfs). What the filter would
// do is printed in Exim's words; nothing is delivered and nothing logged.
// The envelope is made up: the sender is -f, else the "From " line, else the
// caller; the recipient is the caller, changed by -bfl/-bfd/-bfp/-bfs.

import fs from 'node:fs';
import os from 'node:os';
import type { CliOptions } from './args.ts';
import { ConfigError, findConfigFile, loadConfig, type Config } from '../config/index.ts';
import { configExpandContext } from '../config/expand-context.ts';
import { newContext, type ExpandContext } from '../expand/context.ts';
import { extractAddress } from '../expand/operators/address.ts';
import { decodeBytes, encodeBytes } from '../expand/operators/bytes.ts';
import { primaryHostname, todFormat } from '../expand/variables.ts';
import { headerNameEnd, headerValue } from '../mail/headers.ts';
import { newMessageId } from '../spool/message-id.ts';
import { detectFilter } from '../filter/index.ts';
import { runEximFilter } from '../filter/exim/run.ts';
import { runSieveFilter } from '../filter/sieve/run.ts';
import { parseRedirectList } from '../routers/redirect.ts';
import type { FilterResult } from '../filter/types.ts';

type Write = (s: string) => void;

interface TestMessage {
  headers: string[];
  body: string;
  fromLineSender?: string;
  /** Bytes and lines as read (header lines, the blank line, the body), before reception's fix-ups. */
  size: number;
  lines: number;
}

/** Split the message on stdin: an optional "From " line, header lines up to a blank line, then the body. */
export function readTestMessage(input: Buffer, dotIsEnd: boolean): TestMessage {
  const lines = decodeBytes(input).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  let fromLineSender: string | undefined;
  // Exim counts a "From " line in $message_size and $message_linecount.
  let extraBytes = 0;
  let extraLines = 0;
  if (lines[0]?.startsWith('From ')) {
    fromLineSender = lines[0].slice(5).trim().split(/\s+/)[0];
    extraBytes = encodeBytes(lines[0]).length + 1;
    extraLines = 1;
    i = 1;
  }
  let separator = 0;
  const headers: string[] = [];
  for (; i < lines.length; i++) {
    // Header lines lose a CR before their newline; body lines keep it.
    const l = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (dotIsEnd && l === '.') {
      const text = headers.join('');
      return { headers, body: '', fromLineSender, size: extraBytes + encodeBytes(text).length, lines: extraLines + text.split('\n').length - 1 };
    }
    if ((l[0] === ' ' || l[0] === '\t') && headers.length > 0) {
      headers[headers.length - 1] += l + '\n';
      continue;
    }
    // A blank line, or a line that is not a header (which Exim's -bf drops), ends the header section.
    if (l === '' || !headerNameEnd(l)) {
      if (l === '') separator = 1;
      i++;
      break;
    }
    headers.push(l + '\n');
  }
  const body: string[] = [];
  for (; i < lines.length; i++) {
    if (dotIsEnd && lines[i] === '.') break;
    body.push(lines[i] + '\n');
  }
  const bodyText = body.join('');
  const headerText = headers.join('');
  // With no body, Exim counts the blank line (or, for empty input, a lone newline) as a line of the message.
  const empty = input.length === 0;
  return {
    headers, body: bodyText, fromLineSender,
    size: extraBytes + encodeBytes(headerText).length + separator + encodeBytes(bodyText).length + (empty ? 1 : 0),
    lines: extraLines + headerText.split('\n').length - 1 + body.length + ((separator || empty) && body.length === 0 ? 1 : 0),
  };
}

function setVar(ctx: ExpandContext, name: string, value: string, tainted = false): void {
  ctx.vars.set(name, { value, tainted });
}

function findHeader(headers: readonly string[], name: string): string | undefined {
  for (const h of headers) {
    const e = headerNameEnd(h);
    if (e && h.slice(0, e.nameEnd).toLowerCase() === name) return headerValue(h).trim();
  }
  return undefined;
}

function caller(): { name: string; home: string } {
  try {
    const u = os.userInfo();
    return { name: u.username, home: u.homedir };
  } catch {
    return { name: 'root', home: '/' };
  }
}

function printResultSeparator(out: Write, file: string, kind: string): void {
  out(`Testing ${kind} file "${file}"\n\n`);
}

/** A filter file's text, or undefined (with Exim's complaint) when it cannot be read. */
function readFilterFile(file: string, err: Write): string | undefined {
  try {
    return decodeBytes(fs.readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied'
      : code === 'EISDIR' ? 'Is a directory' : (e as Error).message;
    err(`exim: failed to open ${file}: ${reason}\n`);
    return undefined;
  }
}

async function testOne(file: string, text: string, system: boolean, ctx: ExpandContext, opts: CliOptions, out: Write, err: Write, qualify: (lp: string) => string): Promise<{ rc: number; result?: FilterResult }> {
  const print = { print: (line: string): void => out(line + '\n') };
  const debug = opts.verbose ? (line: string): void => err(line + '\n') : undefined;
  // A system filter is always read as an Exim filter, whatever its first line says.
  const detected = detectFilter(text);
  const kind = system ? 'exim' : detected;
  if (kind === 'exim') {
    printResultSeparator(out, file, detected === 'sieve' ? 'Sieve filter' : 'Exim filter');
    const result = await runEximFilter(text, {
      ctx, systemFilter: system, allowDefer: system, allowFail: system, allowFreeze: system,
      test: print, debug, log: 'skip', qualify,
    });
    return { rc: result.outcome === 'error' ? 1 : 0, result };
  }
  if (kind === 'sieve') {
    printResultSeparator(out, file, 'Sieve filter');
    const result = await runSieveFilter(text, { ctx, test: print, debug, qualify, inbox: 'inbox' });
    return { rc: result.outcome === 'error' ? 1 : 0, result };
  }
  printResultSeparator(out, file, 'forward file');
  // An :include: file that cannot be read adds nothing here (Exim's -bf says nothing about it).
  const readInclude = (f: string): string => {
    try {
      return decodeBytes(fs.readFileSync(f));
    } catch {
      return '';
    }
  };
  const list = parseRedirectList(text, { qualify, readInclude });
  if (list.kind === 'error') {
    out(`exim: error in forward file: ${list.message}\n`);
    return { rc: 1 };
  }
  if (list.kind === 'fail' || list.kind === 'defer') {
    out(`exim: error in forward file: ":${list.kind}: ${list.message}" is not permitted\n`);
    return { rc: 1 };
  }
  if (list.blackhole) out('exim: forwardfile contains ":blackhole:"\n');
  if (list.items.length === 0) {
    out('exim: no addresses generated from forward file\n');
    return { rc: 0 };
  }
  // Exim lists the generated items last first.
  const shown = list.items.map((it) => (it.kind === 'address' ? it.address : it.kind === 'file' ? it.path : it.kind === 'pipe' ? it.command : `mail ${it.to}`));
  out(`exim: forward file generated:\n${shown.reverse().map((s) => `  ${s}\n`).join('')}`);
  return { rc: 0 };
}

export async function main(opts: CliOptions): Promise<number> {
  const out: Write = (s) => process.stdout.write(encodeBytes(s));
  const err: Write = (s) => process.stderr.write(encodeBytes(s));
  let config: Config | undefined;
  try {
    config = loadConfig(findConfigFile(opts), opts.macros);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`${e.message}\n`);
    return 1;
  }
  // The files are read before anything is printed: one that cannot be opened ends the test at once.
  const systemText = opts.systemFilterFile === undefined ? undefined : readFilterFile(opts.systemFilterFile, err);
  if (opts.systemFilterFile !== undefined && systemText === undefined) return 1;
  const userText = opts.filterFile === undefined ? undefined : readFilterFile(opts.filterFile, err);
  if (opts.filterFile !== undefined && userText === undefined) return 1;
  const ctx = config ? configExpandContext(config) : newContext();
  const o = ctx.options;
  const user = caller();
  const qualifyDomain = o?.get('qualify_domain') || primaryHostname(ctx);
  const qualifyRecipient = o?.get('qualify_recipient') || qualifyDomain;

  const msg = readTestMessage(await readStdin(), opts.dotIsEnd);
  if (msg.headers.length === 0) out('Warning: no message headers read\n');

  // The sender: -f, else a "From " line, else the caller.
  let sender: string;
  if (opts.sender !== undefined) {
    const s = opts.sender === '<>' ? '' : opts.sender;
    const parsed = s === '' ? undefined : extractAddress(s, true);
    sender = parsed && !('error' in parsed) ? (parsed.domainStart === 0 && parsed.address !== '' ? `${parsed.address}@${qualifyDomain}` : parsed.address) : s;
  } else if (msg.fromLineSender !== undefined) {
    out('Sender taken from "From " line\n');
    sender = msg.fromLineSender;
  } else sender = `${user.name}@${qualifyDomain}`;

  // The return path: a Return-path: header, else the sender. The header itself is dropped, as on reception.
  let returnPath = sender;
  const rpHeader = findHeader(msg.headers, 'return-path');
  if (rpHeader !== undefined) {
    const parsed = extractAddress(rpHeader, true);
    returnPath = 'error' in parsed ? rpHeader : parsed.address;
    out('Return-path taken from "Return-path:" header line\n');
    out(`Return-path = ${returnPath === '' ? '<>' : returnPath}\n`);
    msg.headers = msg.headers.filter((h) => !/^return-path\s*:/i.test(h));
  } else out('Return-path copied from sender\n');

  const localPart = opts.filterLocalPart ?? user.name;
  const domain = opts.filterDomain ?? qualifyDomain;
  const prefix = opts.filterPrefix ?? '';
  const suffix = opts.filterSuffix ?? '';
  out(`Sender      = ${sender === '' ? '<>' : sender}\n`);
  out(`Recipient   = ${prefix}${localPart}${suffix}@${domain}\n`);
  if (prefix !== '') out(`Prefix    = ${prefix}\n`);
  if (suffix !== '') out(`Suffix    = ${suffix}\n`);

  // Reception's fix-ups for a local message: Message-Id:, From: and Date: when missing.
  const { id } = newMessageId();
  const hostname = primaryHostname(ctx);
  if (findHeader(msg.headers, 'message-id') === undefined) msg.headers.push(`Message-Id: <E${id}@${hostname}>\n`);
  if (findHeader(msg.headers, 'from') === undefined && sender !== '') msg.headers.push(`From: ${sender}\n`);
  if (findHeader(msg.headers, 'date') === undefined) msg.headers.push(`Date: ${todFormat('full')}\n`);

  ctx.headers = msg.headers;
  ctx.body = msg.body;
  const bodyLines = msg.body === '' ? 0 : msg.body.split('\n').length - 1;
  setVar(ctx, 'message_id', id);
  setVar(ctx, 'message_exim_id', id);
  setVar(ctx, 'sender_address', sender, true);
  setVar(ctx, 'return_path', returnPath, true);
  setVar(ctx, 'local_part', localPart);
  setVar(ctx, 'domain', domain);
  setVar(ctx, 'local_part_prefix', prefix);
  setVar(ctx, 'local_part_suffix', suffix);
  setVar(ctx, 'original_local_part', localPart);
  setVar(ctx, 'original_domain', domain);
  setVar(ctx, 'home', user.home);
  setVar(ctx, 'reply_address', findHeader(msg.headers, 'reply-to') ?? findHeader(msg.headers, 'from') ?? '', true);
  setVar(ctx, 'body_linecount', String(bodyLines));
  setVar(ctx, 'message_body_size', String(encodeBytes(msg.body).length));
  setVar(ctx, 'body_zerocount', String(msg.body.split('\0').length - 1));
  setVar(ctx, 'message_size', String(msg.size));
  setVar(ctx, 'message_linecount', String(msg.lines));

  const qualify = (lp: string): string => `${lp}@${qualifyRecipient}`;
  let rc = 0;
  if (opts.systemFilterFile !== undefined && systemText !== undefined) {
    const r = await testOne(opts.systemFilterFile, systemText, true, ctx, opts, out, err, qualify);
    if (r.rc !== 0) return r.rc;
    // A user's filter sees the system filter's counters as $sn0..$sn9, and starts its own at zero.
    for (let i = 0; i < 10; i++) {
      setVar(ctx, `sn${i}`, String(r.result?.n[i] ?? 0));
      setVar(ctx, `n${i}`, '0');
    }
  }
  if (opts.filterFile !== undefined && userText !== undefined) rc = (await testOne(opts.filterFile, userText, false, ctx, opts, out, err, qualify)).rc;
  return rc;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
