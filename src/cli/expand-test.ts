// -be / -bem: expansion testing, byte for byte as Exim prints it.
// Arguments are expanded one per line; without arguments stdin is read the
// way Exim reads it (fgets into a 1024-byte buffer, so a very long line is
// taken in 1023-byte pieces; a trailing backslash continues a line and the
// continuation's leading white space is dropped), with a "> " prompt before
// each expression, "Name = value" macro definitions and "set acl_x = ..."
// variable assignments.

import fs from 'node:fs';
import os from 'node:os';
import { isAscii as isAsciiBuffer } from 'node:buffer';
import type { CliOptions } from './args.ts';
import { newContext, type ExpandContext } from '../expand/context.ts';
import { expandStringOrWait, ExpandError } from '../expand/index.ts';
import { primaryHostname } from '../expand/variables.ts';
import { encodeBytes, decodeBytes } from '../expand/operators/bytes.ts';
import { findConfigFile, loadConfig, type Config } from '../config/index.ts';
import { configExpandContext } from '../config/expand-context.ts';

const FGETS_CHUNK = 1023;

/** Unset options that -be answers with their default, as Exim's -be does; others read as unset. */
const DEFAULTED_OPTIONS = ['primary_hostname', 'qualify_domain', 'spool_directory', 'message_body_visible',
  'keep_environment', 'add_environment', 'headers_charset', 'log_file_path', 'qualify_recipient', 'exim_path'];

function setVar(ctx: ExpandContext, name: string, value: string, tainted = false): void {
  ctx.vars.set(name, { value, tainted });
}

/** Read a message file for -bem: header lines (with continuations) and the body. */
function loadMessage(ctx: ExpandContext, file: string): void {
  const text = decodeBytes(fs.readFileSync(file)).replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const headers: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') { i++; break; }
    if ((l[0] === ' ' || l[0] === '\t') && headers.length > 0) headers[headers.length - 1] += l + '\n';
    else headers.push(l + '\n');
  }
  const body = lines.slice(i).join('\n');
  ctx.headers = headers;
  ctx.body = body;
  const bodyLines = body === '' ? 0 : body.split('\n').length - (body.endsWith('\n') ? 1 : 0);
  setVar(ctx, 'body_linecount', String(bodyLines));
  setVar(ctx, 'message_body_size', String(encodeBytes(body).length));
  setVar(ctx, 'message_size', String(encodeBytes(text).length));
  setVar(ctx, 'message_linecount', String(headers.reduce((n, h) => n + h.split('\n').length - 1, 0) + bodyLines));
}

function buildContext(opts: CliOptions, cfg: Config | undefined): ExpandContext {
  const ctx = cfg
    ? configExpandContext(cfg, { testMode: true }, { defaultsFor: DEFAULTED_OPTIONS })
    : newContext({ testMode: true });
  const user = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return 'root';
    }
  })();
  const qualify = ctx.options?.get('qualify_domain') ?? primaryHostname(ctx);
  setVar(ctx, 'sender_address', `${user}@${qualify}`);
  setVar(ctx, 'sender_address_local_part', user);
  setVar(ctx, 'sender_address_domain', qualify);
  setVar(ctx, 'authenticated_id', user);
  setVar(ctx, 'authenticated_sender', `${user}@${qualify}`);
  setVar(ctx, 'sender_ident', user);
  const oM: Record<string, string> = { a: 'sender_host_address', i: 'interface_address', s: 'sender_host_name', r: 'received_protocol', t: 'sender_ident', aa: 'sender_host_authenticated', as: 'authenticated_sender', ai: 'authenticated_id' };
  for (const [k, v] of opts.oM) {
    const name = oM[k];
    if (!name) continue;
    if (k === 'a' || k === 'i') {
      // "1.2.3.4.25" or "[1.2.3.4]:25": address and port
      const m = /^\[?([^\]]*?)\]?(?:[.:](\d+))?$/.exec(v);
      const addr = m && m[2] && (m[1].includes(':') || m[1].split('.').length === 4) ? m[1] : v;
      setVar(ctx, name, addr);
      if (m && m[2] && addr !== v) setVar(ctx, k === 'a' ? 'sender_host_port' : 'interface_port', m[2]);
    } else {
      setVar(ctx, name, v);
    }
  }
  if (opts.messageFile) loadMessage(ctx, opts.messageFile);
  return ctx;
}

const failed = (e: unknown): string => {
  if (e instanceof ExpandError) return `Failed: ${e.message}`;
  throw e;
};

/** The -be answer for one expression; a Promise only when an item had to wait. */
function expandLine(text: string, ctx: ExpandContext): string | Promise<string> {
  // Exim's -be frees its expansion store after each line, so a value an
  // expansion condition leaves behind ($srs_recipient from inbound_srs) does
  // not survive to the next line.
  ctx.vars.delete('srs_recipient');
  try {
    const r = expandStringOrWait(text, ctx);
    return typeof r === 'string' ? r : r.catch(failed);
  } catch (e) {
    return failed(e);
  }
}

/**
 * stdin split as fgets() with a 1024-byte buffer would, each piece as a
 * string. All-ASCII input (the usual case) is decoded once and cut up as a
 * string, one character per byte; other input is decoded piece by piece.
 */
class FgetsReader {
  private readonly data: Buffer;
  private readonly text: string | null;
  private p = 0;
  constructor(data: Buffer) {
    this.data = data;
    this.text = isAsciiBuffer(data) ? data.toString('latin1') : null;
  }

  next(): string | null {
    const p = this.p;
    if (p >= this.data.length) return null;
    let nl = this.text !== null ? this.text.indexOf('\n', p) : this.data.indexOf(10, p);
    nl = nl < 0 ? this.data.length : nl + 1;
    const end = Math.min(nl, p + FGETS_CHUNK);
    this.p = end;
    return this.text !== null ? this.text.slice(p, end) : decodeBytes(this.data.subarray(p, end));
  }
}

/** C's isspace() in the C locale. */
const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && isCSpace(s.charCodeAt(e - 1))) e--;
  return e === s.length ? s : s.slice(0, e);
}

function trimStart(s: string): string {
  let b = 0;
  while (b < s.length && isCSpace(s.charCodeAt(b))) b++;
  return b === 0 ? s : s.slice(b);
}

interface Macros { list: { name: string; value: string }[] }

function substituteMacros(line: string, macros: Macros): string {
  let text = line;
  for (const m of macros.list) if (text.includes(m.name)) text = text.split(m.name).join(m.value);
  return text;
}

/** One -be input line that is not an expression: a macro definition or an ACL variable setting. */
function special(line: string, ctx: ExpandContext, macros: Macros): string | null | Promise<string | null> {
  if (line.length === 0 || (line[0] !== 's' && (line[0] < 'A' || line[0] > 'Z'))) return null;
  return specialLine(line, ctx, macros);
}

async function specialLine(line: string, ctx: ExpandContext, macros: Macros): Promise<string | null> {
  const md = /^([A-Z][A-Za-z0-9_]*)\s*(==?)\s*(.*)$/.exec(line);
  if (md) {
    const old = macros.list.find((m) => m.name === md[1]);
    if (old) {
      if (md[2] !== '==') return `macro "${md[1]}" is already defined (use "==" if you want to redefine it)`;
      old.value = md[3];
    } else {
      macros.list.push({ name: md[1], value: md[3] });
    }
    return `Defined macro '${md[1]}'`;
  }
  const sd = /^set(,t)?\s+(\S*?)\s*(?:=\s*(.*))?$/.exec(line);
  if (sd && /^set(,t)?\s/.test(line)) {
    const tainted = sd[1] !== undefined;
    const name = sd[2];
    if (!/^acl_[cm]/.test(name)) {
      return `invalid variable name after "set" in ACL modifier "${line}" (must start "acl_c" or "acl_m")`;
    }
    if (!/^acl_[cm](\d|_)/.test(name)) {
      return `invalid variable name after "set" in ACL modifier "${line}" (digit or underscore must follow acl_c or acl_m)`;
    }
    const value = await expandLine(sd[3] ?? '', ctx);
    if (value.startsWith('Failed: ')) return value;
    ctx.vars.set(name, { value, tainted });
    return `variable ${name.slice(4)} set`;
  }
  return null;
}

/** ${acl{...}} and the acl condition run the configuration's ACLs, as in Exim's -be. */
async function installAcls(cfg: Config, ctx: ExpandContext): Promise<void> {
  const [{ installAclHook }, { newConnectionState, newMessageState }, { loggerFromConfig }] = await Promise.all([
    import('../acl/index.ts'), import('../acl/types.ts'), import('../log/index.ts'),
  ]);
  installAclHook({ config: cfg, expand: ctx, logger: loggerFromConfig(cfg), conn: newConnectionState(), msg: newMessageState() });
}

export async function main(opts: CliOptions): Promise<number> {
  let cfg: Config | undefined;
  const macros: Macros = { list: [] };
  try {
    cfg = loadConfig(findConfigFile(opts), opts.macros);
    macros.list = cfg.macros.filter((m) => m.origin !== 'builtin').map((m) => ({ name: m.name, value: m.value }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const ctx = buildContext(opts, cfg);
  if (cfg.acls.size > 0) await installAcls(cfg, ctx);
  // Output is gathered as a string and written in large pieces: one write
  // (or one Buffer) per line costs more than the expansion.
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    // as many UTF-8 bytes as characters: all ASCII (a native count, no regex over the text)
    const buf = Buffer.byteLength(pending, 'utf8') === pending.length ? Buffer.from(pending, 'latin1') : encodeBytes(pending);
    pending = '';
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(1, buf, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw e;
      }
    }
  };
  const out = (s: string): void => {
    // Exim prints results with printf("%s"): output stops at a NUL.
    const nul = s.indexOf('\0');
    if (nul >= 0) s = s.slice(0, nul) + (s.endsWith('> ') ? '\n> ' : s.endsWith('\n') ? '\n' : '');
    pending += s;
    if (pending.length >= 65536) flush();
  };

  if (opts.args.length > 0) {
    for (const a of opts.args) out((await expandLine(a, ctx)) + '\n');
    flush();
    return 0;
  }

  const chunks = new FgetsReader(fs.readFileSync(0));
  out('> ');
  for (;;) {
    const first = chunks.next();
    if (first === null) break;
    // Exim drops trailing white space (and the newline) before looking for a continuation.
    let line = trimEnd(first);
    while (line.endsWith('\\')) {
      line = line.slice(0, -1);
      const next = chunks.next();
      if (next === null) break;
      line += trimStart(trimEnd(next));
    }
    if (macros.list.length > 0) line = substituteMacros(line, macros);
    const spv = special(line, ctx, macros);
    const sp = spv instanceof Promise ? await spv : spv;
    let r = sp ?? expandLine(line, ctx);
    if (typeof r !== 'string') {
      flush();
      r = await r;
    }
    out(r + '\n> ');
  }
  out('\n');
  flush();
  return 0;
}
