// A small SMTP client for tests that need exact control of what goes on the
// wire (raw pipelined batches, BDAT chunks, STARTTLS at a chosen moment):
// it writes what it is told and parses the server's replies, multi-line
// ones included. Real-client behaviour is tested with swaks and Python.

import net from 'node:net';
import tls from 'node:tls';

export interface SmtpReply {
  code: number;
  /** The text of each line, without the code and separator. */
  lines: string[];
  /** The whole reply as received, lines joined with "\n". */
  raw: string;
}

export class SmtpClient {
  private socket: net.Socket;
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new SmtpClient(s)));
      s.once('error', reject);
    });
  }

  /** TLS on connect. */
  static connectTls(port: number, ca: string | Buffer, host = '127.0.0.1'): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ca, servername: 'localhost' }, () => resolve(new SmtpClient(s)));
      s.once('error', reject);
    });
  }

  /** The next complete reply, or null when the connection closed first. */
  async reply(timeoutMs = 10_000): Promise<SmtpReply | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = this.takeReply();
      if (r) return r;
      if (this.closed) return null;
      if (Date.now() > until) throw new Error(`timed out waiting for a reply; have ${JSON.stringify(this.buf)}`);
      await new Promise<void>((res) => {
        this.waiters.push(res);
        setTimeout(res, 100);
      });
    }
  }

  private takeReply(): SmtpReply | null {
    const lines: string[] = [];
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', pos);
      if (nl < 0) return null;
      const line = this.buf.slice(pos, nl).replace(/\r$/, '');
      pos = nl + 1;
      lines.push(line);
      if (line[3] !== '-') break;
    }
    this.buf = this.buf.slice(pos);
    return { code: Number(lines[0].slice(0, 3)), lines: lines.map((l) => l.slice(4)), raw: lines.join('\n') };
  }

  /** n replies in order (for a pipelined batch). */
  async replies(n: number): Promise<SmtpReply[]> {
    const out: SmtpReply[] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.reply();
      if (!r) throw new Error(`connection closed after ${out.length} of ${n} replies: ${out.map((x) => x.raw).join(' | ')}`);
      out.push(r);
    }
    return out;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<SmtpReply> {
    this.write(line + '\r\n');
    const r = await this.reply();
    if (!r) throw new Error(`connection closed after ${JSON.stringify(line)}`);
    return r;
  }

  /** Upgrade after a 220 to STARTTLS, trusting ca. */
  async startTls(ca: string | Buffer): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, ca, servername: 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    this.buf = '';
    this.socket = secure;
    this.attach(secure);
  }

  /** Whatever arrived and was not taken as a reply. */
  pending(): string {
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}
