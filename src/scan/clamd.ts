// av_scanner = clamd:<servers and options>. A server is a Unix socket path
// or "ip port [retry=<time>]"; the option "local" says the TCP servers
// share our file system. Through a Unix socket (or with "local") clamd is
// told the .eml's path (SCAN); otherwise the file is streamed to it
// (zINSTREAM: 4-byte big-endian lengths before chunks, a zero length at
// the end). Several TCP servers are tried in random order until one
// answers. The answer is "<name>: OK", "<name>: <virus>[(hash:size)] FOUND"
// or "<name>: <text> ERROR".

import fs from 'node:fs/promises';
import { readTime } from '../config/values.ts';
import { splitList } from '../lists/index.ts';
import { connectScanner, exchange, parseScannerAddress, ScanSocketError, type Connected, type ScannerAddress } from './socket.ts';
import { MalwareError, scannerError, type ScanJob, type ScanResult } from './scanner.ts';
import { strerror } from '../expand/strerror.ts';

const DEFAULT_SOCKET = '/tmp/clamd';
const CHUNK = 32 * 1024;
/** Per-connect limit, as Exim's 5 s for scanner daemons. */
const CONNECT_MS = 5000;

interface ClamdServer {
  address: ScannerAddress;
  retry: number;
}

function parseServers(options: readonly string[]): { servers: ClamdServer[]; local: boolean } {
  const servers: ClamdServer[] = [];
  let local = false;
  const opts = options.length > 0 ? options : [DEFAULT_SOCKET];
  for (const opt of opts) {
    if (opt.toLowerCase() === 'local') {
      local = true;
      continue;
    }
    if (opt.startsWith('/')) {
      servers.push({ address: { path: opt }, retry: 0 });
      continue;
    }
    const words = splitList(opt, ' ');
    const address = parseScannerAddress(words.slice(0, 2).join(' '));
    if (!address) throw scannerError('clamd', undefined, `bad server specification '${opt}'`);
    let retry = 0;
    for (const w of words.slice(2)) {
      const secs = w.startsWith('retry=') ? readTime(w.slice(6)) : -1;
      if (secs < 0) throw scannerError('clamd', undefined, `bad option '${w}'`);
      retry = secs;
    }
    servers.push({ address, retry });
  }
  if (servers.length === 0) throw scannerError('clamd', undefined, 'no useable server addresses in malware configuration option.');
  // a Unix socket is the only server used
  const unix = servers.find((s) => 'path' in s.address);
  return { servers: unix ? [unix] : servers, local };
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

async function connectAny(servers: ClamdServer[], logs: MalwareError[]): Promise<Connected> {
  for (const server of shuffle([...servers])) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await connectScanner(server.address, CONNECT_MS);
      } catch (e) {
        if (!(e instanceof ScanSocketError)) throw e;
        if (attempt === 0 && server.retry > 0) {
          await new Promise((r) => setTimeout(r, server.retry * 1000));
          continue;
        }
        const where = 'path' in server.address ? server.address.path : `[${server.address.host}]:${server.address.ports[0]}`;
        const err = scannerError('clamd', where, e.message);
        // a lone Unix socket's failure is the condition's answer; a list of servers goes on
        if (servers.length === 1 && 'path' in server.address) throw err;
        logs.push(err);
        break;
      }
    }
  }
  throw scannerError('clamd', '', 'all servers failed');
}

function streamRequest(content: Buffer): Buffer[] {
  const out: Buffer[] = [Buffer.from('zINSTREAM\0', 'latin1')];
  for (let off = 0; off < content.length; off += CHUNK) {
    const piece = content.subarray(off, off + CHUNK);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(piece.length);
    out.push(len, piece);
  }
  out.push(Buffer.alloc(4));
  return out;
}

/** The verdict in one clamd answer line. */
export function parseClamdAnswer(answer: string, where: string): string | undefined {
  const colon = answer.indexOf(':');
  if (colon < 0) throw scannerError('clamd', where, `ClamAV returned malformed result (missing colon): ${answer}`);
  const rest = answer.slice(colon + 1).trimStart();
  const space = rest.lastIndexOf(' ');
  const tag = space < 0 ? rest : rest.slice(space + 1);
  if (tag === 'OK') return undefined;
  if (tag === 'ERROR') throw scannerError('clamd', where, `ClamAV returned: ${answer}`);
  if (tag !== 'FOUND') throw scannerError('clamd', where, `unparseable response from ClamAV: {${answer}}`);
  let name = rest.slice(0, space).trimEnd();
  // ExtendedDetectionInfo adds "(hash:size)" to the name
  if (name.endsWith(')')) {
    const open = name.lastIndexOf('(');
    if (open >= 0) name = name.slice(0, open);
  }
  return name;
}

export async function clamdScan(job: ScanJob, logs: MalwareError[]): Promise<ScanResult> {
  const { servers, local } = parseServers(job.options);
  const conn = await connectAny(servers, logs);
  const where = conn.calloutAddress;
  const byPath = local || 'path' in servers[0].address;
  let request: Buffer[];
  if (byPath) {
    request = [Buffer.from(`SCAN ${job.file.path}\n`, 'latin1')];
  } else {
    let content: Buffer;
    try {
      content = await fs.readFile(job.file.path);
    } catch (e) {
      conn.socket.destroy();
      throw scannerError('clamd', where, `can't open spool file ${job.file.path}: ${strerror(e)}`);
    }
    request = streamRequest(content);
  }
  let raw: Buffer;
  try {
    raw = await exchange(conn.socket, request, job.deadline, { maxBytes: 64 * 1024 });
  } catch (e) {
    if (e instanceof MalwareError) throw e;
    throw scannerError('clamd', where, `unable to read from socket (${strerror(e)})`);
  }
  const answer = raw.toString('latin1').replace(/[\0\n\r]+$/, '');
  if (answer === '') throw scannerError('clamd', where, 'ClamAV returned null');
  return { name: parseClamdAnswer(answer, where), calloutAddress: where };
}

export { MalwareError };
