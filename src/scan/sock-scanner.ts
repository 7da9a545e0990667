// av_scanner = sock:<address>:<request>:<trigger re>:<name re>. A simple
// scanner daemon on a Unix socket or "ip port": it is sent the request
// (default "%s\n", %s being the .eml's path; nothing else may use %),
// and its first answer is matched against the trigger; the name is the
// first capture of the name expression in the answer ("unknown" without).

import { connectScanner, exchange, parseScannerAddress } from './socket.ts';
import { scannerError, scannerRegex, type ScanJob, type ScanResult } from './scanner.ts';
import { strerror } from '../expand/strerror.ts';

const DEFAULT_ADDRESS = '/tmp/malware.sock';
const DEFAULT_REQUEST = '%s\n';
/** Exim's answer buffer: a longer answer is an error. */
const MAX_ANSWER = 32 * 1024;
const CONNECT_MS = 5000;

/** Only one %s (or %%) may appear: the request is a printf format in Exim. */
function safeRequest(request: string): boolean {
  const pct = request.indexOf('%');
  if (pct < 0) return true;
  const next = request[pct + 1];
  return (next === 's' || next === '%') && !request.includes('%', pct + 2);
}

export async function sockScan(job: ScanJob): Promise<ScanResult> {
  const [addressText = DEFAULT_ADDRESS, requestText, trigger, name] = job.options;
  const request = requestText === undefined || requestText === '' ? DEFAULT_REQUEST : requestText;
  if (!safeRequest(request)) throw scannerError('sock', undefined, 'unsafe sock scanner call spec');
  const triggerRe = scannerRegex('sock', trigger, 'missing trigger specification');
  const nameRe = scannerRegex('sock', name, 'missing virus name regex specification');
  const address = parseScannerAddress(addressText);
  if (!address) throw scannerError('sock', addressText, 'bad socket specification');
  let conn;
  try {
    conn = await connectScanner(address, CONNECT_MS);
  } catch (e) {
    throw scannerError('sock', addressText, (e as Error).message);
  }
  const where = conn.calloutAddress;
  const line = request.replace(/%(s|%)/, (_m, c: string) => (c === 's' ? job.file.path : '%'));
  let answer: Buffer;
  try {
    answer = await exchange(conn.socket, [Buffer.from(line, 'latin1')], job.deadline, { until: (got) => got.length > 0, maxBytes: MAX_ANSWER - 1 });
  } catch (e) {
    throw scannerError('sock', where, `unable to read from socket (${strerror(e)})`);
  }
  if (answer.length === 0) throw scannerError('sock', where, 'unable to read from socket (end of file)');
  const text = answer.toString('latin1');
  if (!triggerRe.test(text)) return { calloutAddress: where };
  const m = nameRe.exec(text);
  return { name: m?.[1] ?? 'unknown', calloutAddress: where };
}
