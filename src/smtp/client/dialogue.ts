// The client's side of an SMTP dialogue over one SmtpConnection: the
// greeting, EHLO (falling back to HELO) or LHLO, opportunistic STARTTLS
// with a second EHLO, and single or pipelined commands. Every failure is a
// DialogueError that says after which command it happened and carries the
// server's reply when there was one, in the words Exim logs:
//   "SMTP error from remote mail server after RCPT TO:<x>: 550 ..."
//   "SMTP timeout after MAIL FROM:<>"
//   "Remote host closed connection in response to initial connection"

import { ClientError, replyText, type SmtpConnection, type SmtpReply } from './connection.ts';

export class DialogueError extends Error {
  override name = 'DialogueError';
  /** The command the failure followed ("initial connection" for the greeting). */
  readonly after: string;
  /** The server's reply, when the failure is a refusal. */
  readonly reply?: SmtpReply;
  /** The connection failure, when it is not a refusal. */
  readonly failure?: ClientError;

  constructor(after: string, why: SmtpReply | ClientError) {
    const reply = why instanceof ClientError ? undefined : why;
    super(reply ? `SMTP error from remote mail server after ${after}: ${replyText(reply)}` : failureText(after, why as ClientError));
    this.after = after;
    this.reply = reply;
    this.failure = why instanceof ClientError ? why : undefined;
  }

  /** 4xx replies and connection troubles are temporary; 5xx replies are permanent. */
  get permanent(): boolean {
    return this.reply !== undefined && this.reply.code >= 500;
  }
}

function failureText(after: string, e: ClientError): string {
  switch (e.kind) {
    case 'timeout': return `SMTP timeout after ${after}`;
    case 'closed': return `Remote host closed connection in response to ${after}`;
    default: return e.message;
  }
}

export interface HelloOptions {
  /** The name to greet with (helo_data). */
  heloName: string;
  /** Time limit for each reply, in milliseconds. */
  timeoutMs: number;
  /** LHLO instead of EHLO/HELO (the transport's protocol = lmtp). */
  lmtp?: boolean;
  /** Use HELO only (hosts_avoid_esmtp). */
  avoidEsmtp?: boolean;
  /** STARTTLS when offered ('try'), never ('avoid'), or insist on it ('require'). */
  tls?: 'try' | 'avoid' | 'require';
  /** SNI for the TLS handshake. */
  tlsServername?: string;
  /** TLS from the start, before the greeting (the transport's protocol = smtps). */
  tlsOnConnect?: boolean;
}

/** What the server said it supports. */
export interface ServerFeatures {
  /** The greeting was answered with EHLO/LHLO (not HELO). */
  esmtp: boolean;
  /** Upper-case extension keywords from the EHLO reply, with their parameters. */
  extensions: Map<string, string>;
  pipelining: boolean;
  /** STARTTLS succeeded. */
  tls: boolean;
}

/** One dialogue: the connection plus what its server supports. */
export class SmtpDialogue {
  readonly conn: SmtpConnection;
  private readonly timeoutMs: number;
  features: ServerFeatures = { esmtp: false, extensions: new Map(), pipelining: false, tls: false };
  /** A reply did not come (timeout, hang-up, garbage): the dialogue cannot go on, not even to QUIT. */
  broken = false;

  constructor(conn: SmtpConnection, timeoutMs: number) {
    this.conn = conn;
    this.timeoutMs = timeoutMs;
  }

  private async reply(after: string): Promise<SmtpReply> {
    try {
      return await this.conn.readReply(this.timeoutMs);
    } catch (e) {
      this.broken = true;
      if (e instanceof ClientError) throw new DialogueError(after, e);
      throw e;
    }
  }

  /** Send one command and read its reply (of any code). */
  async command(line: string): Promise<SmtpReply> {
    this.conn.send(line);
    return this.reply(line);
  }

  /** Send one command; its reply must be 2xx, else DialogueError. */
  async expectOk(line: string): Promise<SmtpReply> {
    const r = await this.command(line);
    if (r.code < 200 || r.code > 299) throw new DialogueError(line, r);
    return r;
  }

  /**
   * Send commands as one pipelined group when the server offers PIPELINING
   * (otherwise one at a time) and read a reply for each. Replies of any
   * code are returned; the caller judges them.
   */
  async commands(lines: string[]): Promise<SmtpReply[]> {
    if (!this.features.pipelining) {
      const out: SmtpReply[] = [];
      for (const l of lines) out.push(await this.command(l));
      return out;
    }
    this.conn.send(...lines);
    const out: SmtpReply[] = [];
    for (const l of lines) out.push(await this.reply(l));
    return out;
  }

  /** Read the greeting and say hello (and STARTTLS when asked); DialogueError on refusal. */
  async open(opts: HelloOptions): Promise<void> {
    if (opts.tlsOnConnect) await this.tls(opts, 'initial connection');
    const greeting = await this.reply('initial connection');
    if (greeting.code < 200 || greeting.code > 299) throw new DialogueError('initial connection', greeting);
    await this.hello(opts);
    if (opts.tlsOnConnect) return;
    const tlsMode = opts.tls ?? 'try';
    const offered = this.features.extensions.has('STARTTLS');
    if (tlsMode === 'avoid' || (!offered && tlsMode === 'try')) return;
    if (!offered) throw new DialogueError(`${this.helloVerb(opts)} ${opts.heloName}`, new ClientError('tls', 'STARTTLS not offered'));
    const r = await this.command('STARTTLS');
    if (r.code !== 220) {
      if (tlsMode === 'require') throw new DialogueError('STARTTLS', r);
      return;
    }
    await this.tls(opts, 'STARTTLS');
    await this.hello(opts);
  }

  private async tls(opts: HelloOptions, after: string): Promise<void> {
    try {
      await this.conn.startTls({ servername: opts.tlsServername, timeoutMs: this.timeoutMs });
    } catch (e) {
      this.broken = true;
      if (e instanceof ClientError) throw new DialogueError(after, e);
      throw e;
    }
    this.features.tls = true;
  }

  private helloVerb(opts: HelloOptions): string {
    return opts.lmtp ? 'LHLO' : opts.avoidEsmtp ? 'HELO' : 'EHLO';
  }

  /** EHLO (or LHLO), falling back to HELO when EHLO is refused. */
  private async hello(opts: HelloOptions): Promise<void> {
    const verb = this.helloVerb(opts);
    let r = await this.command(`${verb} ${opts.heloName}`);
    if (r.code >= 200 && r.code <= 299) {
      this.features.esmtp = verb !== 'HELO';
      this.features.extensions = verb === 'HELO' ? new Map() : parseExtensions(r);
      this.features.pipelining = this.features.extensions.has('PIPELINING');
      return;
    }
    if (verb !== 'EHLO') throw new DialogueError(`${verb} ${opts.heloName}`, r);
    r = await this.command(`HELO ${opts.heloName}`);
    if (r.code < 200 || r.code > 299) throw new DialogueError(`HELO ${opts.heloName}`, r);
    this.features.esmtp = false;
    this.features.extensions = new Map();
    this.features.pipelining = false;
  }

  /** QUIT (unless the dialogue is broken), waiting briefly for the answer, then close; never throws. */
  async quit(): Promise<void> {
    if (this.broken) {
      this.conn.close();
      return;
    }
    try {
      this.conn.send('QUIT');
      await this.conn.readReply(Math.min(this.timeoutMs, 5000));
    } catch {
      // The server may hang up without answering QUIT; that is its right.
    }
    this.conn.close();
  }
}

/** The EHLO reply's keywords (after the first line), upper-cased, with their parameters. */
export function parseExtensions(r: SmtpReply): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of r.lines.slice(1)) {
    const text = line.slice(4).trim();
    const sp = text.indexOf(' ');
    const kw = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    if (kw !== '') out.set(kw, sp < 0 ? '' : text.slice(sp + 1));
  }
  return out;
}
