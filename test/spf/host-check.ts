// Run tern's -bh (host checking) with a configuration and an SMTP dialogue,
// tern's resolver pointed at a test DNS server. Shared by the SPF, DKIM and
// DMARC tests: the replies (stdout) and the LOG: lines (stderr) are what
// they look at.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TIMEOUT_MS = 30_000;

export interface HostCheck {
  stdout: string;
  /** The LOG: lines, without the "LOG: " prefix and the message id. */
  log: string[];
  status: number | null;
}

/** Write a configuration file in a fresh directory and return its path. */
export function writeConfig(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-auth-'));
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, text);
  return file;
}

/** SMTP lines (CRLF added) for one message from sender to recipient; data is the message with LF or CRLF line ends. */
export function messageDialogue(sender: string, recipient: string, data: string | Buffer, helo = 'client.test'): Buffer {
  const body = Buffer.isBuffer(data) ? data.toString('latin1') : data;
  const lines = body.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n').map((l) => (l.startsWith('.') ? '.' + l : l));
  const script = [`EHLO ${helo}`, `MAIL FROM:<${sender}>`, `RCPT TO:<${recipient}>`, 'DATA', ...lines, '.', 'QUIT', ''];
  return Buffer.from(script.join('\r\n'), 'latin1');
}

export function hostCheck(config: string, ip: string, input: Buffer, resolver: { host: string; port: number }): Promise<HostCheck> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'src/main.ts'), '-C', config, '-bh', ip], {
      env: { ...process.env, TERN_RESOLVERS: `${resolver.host}:${resolver.port}` },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('tern -bh timed out'));
    }, TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      const log = Buffer.concat(err).toString('latin1').split('\n')
        .filter((l) => l.startsWith('LOG: '))
        .map((l) => l.slice(5).replace(/^[0-9A-Za-z]{6}-[0-9A-Za-z]{11,12}-[0-9A-Za-z]{4} /, ''));
      resolve({ stdout: Buffer.concat(out).toString('latin1').replace(/\r\n/g, '\n'), log, status });
    });
    child.stdin.end(input);
  });
}
