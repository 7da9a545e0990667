// A small SMTP client for load: EHLO once, then messages with MAIL, RCPT and
// DATA pipelined when the server offers PIPELINING. Used by the daemon's
// crash-safety test and by bench/smtp.ts.

import net from 'node:net';

export interface Reply {
  code: number;
  text: string;
}

export class SmtpClient {
  readonly socket: net.Socket;
  private buf = '';
  private replies: Reply[] = [];
  private partial: string[] = [];
  private waiter: (() => void) | undefined;
  private closedWith: Error | undefined;
  pipelining = false;
  /** performance.now() when the last message's final dot was written (for latency figures). */
  lastDotAt = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new SmtpClient(s));
      });
      s.once('error', reject);
    });
  }

  private fail(e: Error): void {
    this.closedWith ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private onData(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.partial.push(line.slice(4));
      if (line[3] !== '-') {
        this.replies.push({ code: Number(line.slice(0, 3)), text: this.partial.join('\n') });
        this.partial = [];
      }
    }
    if (this.replies.length > 0) this.wake();
  }

  /** The next complete (possibly multi-line) reply. */
  async reply(): Promise<Reply> {
    for (;;) {
      const r = this.replies.shift();
      if (r) return r;
      if (this.closedWith) throw this.closedWith;
      await new Promise<void>((res) => (this.waiter = res));
    }
  }

  /** Banner and EHLO; returns the banner's code. */
  async greet(name = 'client.example'): Promise<number> {
    const banner = await this.reply();
    if (banner.code !== 220) return banner.code;
    this.socket.write(`EHLO ${name}\r\n`);
    const ehlo = await this.reply();
    this.pipelining = /^PIPELINING$/im.test(ehlo.text);
    return ehlo.code;
  }

  /**
   * One message; resolves with the reply to the final dot (or the first
   * failing reply). `data` is the message with CRLF line ends, dot-stuffed
   * by the caller if needed, without the final dot.
   */
  async send(from: string, to: string[], data: string | Buffer): Promise<Reply> {
    const commands = [`MAIL FROM:<${from}>`, ...to.map((r) => `RCPT TO:<${r}>`), 'DATA'];
    const replies: Reply[] = [];
    if (this.pipelining) {
      this.socket.write(commands.map((c) => c + '\r\n').join(''));
      for (let i = 0; i < commands.length; i++) replies.push(await this.reply());
    } else {
      for (const c of commands) {
        this.socket.write(c + '\r\n');
        const r = await this.reply();
        replies.push(r);
        if (r.code >= 400) break;
      }
    }
    const bad = replies.find((r, i) => (i < replies.length - 1 ? r.code >= 400 : r.code !== 354));
    if (bad) {
      if (replies[replies.length - 1].code === 354) {
        // DATA was accepted although a command before failed: end it empty.
        this.socket.write('.\r\n');
        await this.reply();
      }
      return bad;
    }
    this.socket.write(data);
    this.lastDotAt = performance.now();
    this.socket.write('.\r\n');
    return this.reply();
  }

  async quit(): Promise<void> {
    this.socket.write('QUIT\r\n');
    try {
      await this.reply();
    } catch {
      // closed already
    }
    this.socket.destroy();
  }
}

/** A message of about `size` bytes carrying `marker` in a header and in every body line. */
export function testMessage(marker: string, size: number): string {
  const head = `From: load@example.com\r\nTo: sink@example.com\r\nSubject: load ${marker}\r\nX-Marker: ${marker}\r\n\r\n`;
  const line = `${marker} the quick brown fox jumps over the lazy dog 0123456789\r\n`;
  let body = '';
  while (head.length + body.length < size) body += line;
  return head + body;
}
