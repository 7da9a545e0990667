// spam = user[:true][/defer_ok] (spec "Calling SpamAssassin from an Exim
// ACL"): the message's .eml goes to the first spamd_address server that
// answers; the condition is true when the score reaches the user's
// threshold (always, with ":true"), and sets $spam_score, $spam_score_int,
// $spam_bar, $spam_report and $spam_action. The answer is kept for the
// message: asking again for the same user (and the same servers) does not
// scan again. Any trouble defers, or fails with /defer_ok.

import fs from 'node:fs/promises';
import { optionString } from '../config/index.ts';
import { byteStringToText } from '../expand/operators/bytes.ts';
import { strerror } from '../expand/strerror.ts';
import { splitList } from '../lists/index.ts';
import { writeLog } from '../acl/logging.ts';
import { expand, getVar, setVar, waitFor, type LogTarget, type Rc, type RunState, type Step } from '../acl/state.ts';
import type { AclMessageState } from '../acl/types.ts';
import { parseRspamdReply, parseSpamAssassinReply, spamdRequestHead, spamVariables, type SpamVariables, type SpamdRequestInfo } from './spamd.ts';
import { parseSpamdAddress, spamdOrder, SpamdConfigError, type SpamdServer } from './spamd-servers.ts';
import { connectScanner, exchange, ScanSocketError, type Connected } from './socket.ts';
import { ensureScanFile, ScanFileError } from './spool-file.ts';

const LABEL = 'spam acl condition:';
/** Exim's buffer for spamd's answer is about 32K; more is refused rather than cut. */
const MAX_ANSWER = 1 << 20;

interface SpamCache {
  user: string;
  address: string;
  rc: Rc;
}

const caches = new WeakMap<AclMessageState, SpamCache>();

interface LogEntry {
  targets: LogTarget[];
  text: string;
}

type SpamOutcome =
  | { ok: true; vars: SpamVariables; spam: boolean; calloutAddress: string; logs: LogEntry[] }
  | { ok: false; logs: LogEntry[] };

export function* spamCondition(st: RunState, arg: string): Step<Rc> {
  const items = splitList(arg, '/');
  let rc = yield* spam(st, items[0] ?? '');
  for (const opt of items.slice(1)) if (opt.toLowerCase() === 'defer_ok' && rc === 'DEFER') rc = 'FAIL';
  return rc;
}

function* spam(st: RunState, spec: string): Step<Rc> {
  const parts = splitList(spec);
  const user = parts[0];
  if (user === undefined || user === '0' || user.toLowerCase() === 'false') return 'FAIL';
  const override = parts.length === 2 && parts[1].toLowerCase() === 'true';

  let address = optionString(st.actx.config, 'spamd_address');
  if (address.startsWith('$')) {
    try {
      address = (yield* expand(st, address)).value;
    } catch (e) {
      writeLog(st, ['main', 'panic'], `${LABEL} spamd_address starts with $, but expansion failed: ${(e as Error).message}`);
      return 'DEFER';
    }
  }
  const cached = caches.get(st.actx.msg);
  if (cached && cached.user === user && cached.address === address) return override ? 'OK' : cached.rc;

  let servers: SpamdServer[];
  try {
    servers = parseSpamdAddress(address);
  } catch (e) {
    if (!(e instanceof SpamdConfigError)) throw e;
    writeLog(st, ['main', 'panic'], `${LABEL} ${e.message}`);
    return 'DEFER';
  }
  const info = requestInfo(st, user);
  const actx = st.actx;
  const outcome = (yield* waitFor(st, `spam\0${user}\0${address}\0${actx.messageId ?? ''}`, () => scanWithSpamd(actx, servers, info))) as SpamOutcome;
  for (const l of outcome.logs) writeLog(st, l.targets, l.text);
  if (!outcome.ok) return 'DEFER';
  for (const [name, value] of Object.entries(outcome.vars)) setVar(st, name, byteStringToText(value));
  setVar(st, 'callout_address', outcome.calloutAddress);
  const rc: Rc = outcome.spam ? 'OK' : 'FAIL';
  caches.set(st.actx.msg, { user, address, rc });
  return override ? 'OK' : rc;
}

function requestInfo(st: RunState, user: string): Omit<SpamdRequestInfo, 'contentLength'> {
  const recipients = (getVar(st, 'recipients') ?? '').split(', ').filter((r) => r !== '');
  return {
    user,
    messageId: st.actx.messageId ?? getVar(st, 'message_id'),
    sender: getVar(st, 'sender_address') ?? '',
    recipients,
    helo: getVar(st, 'sender_helo_name') || undefined,
    hostName: getVar(st, 'sender_host_name') || undefined,
    hostAddress: getVar(st, 'sender_host_address') || undefined,
    authenticatedId: getVar(st, 'authenticated_id') || undefined,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Connect to the first server that answers (each may be retried once after its retry= time). */
async function connectFirst(servers: readonly SpamdServer[], logs: LogEntry[]): Promise<{ server: SpamdServer; conn: Connected } | undefined> {
  for (const server of spamdOrder(servers)) {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return { server, conn: await connectScanner(server.address, server.timeout * 1000) };
      } catch (e) {
        if (!(e instanceof ScanSocketError)) throw e;
        if (attempt === 0 && server.retry > 0) {
          await sleep(server.retry * 1000);
          continue;
        }
        logs.push({ targets: ['main'], text: `${LABEL} spamd: ${e.message}` });
        break;
      }
    }
  }
  return undefined;
}

async function scanWithSpamd(actx: RunState['actx'], servers: readonly SpamdServer[], info: Omit<SpamdRequestInfo, 'contentLength'>): Promise<SpamOutcome> {
  const logs: LogEntry[] = [];
  const fail = (text: string, targets: LogTarget[] = ['main', 'panic']): SpamOutcome => {
    logs.push({ targets, text: `${LABEL} ${text}` });
    return { ok: false, logs };
  };
  let content: Buffer;
  try {
    const file = await ensureScanFile(actx);
    content = await fs.readFile(file.path);
  } catch (e) {
    if (e instanceof ScanFileError) return fail(e.message);
    return fail(`error opening spool file: ${strerror(e)}`);
  }
  const start = Date.now();
  const found = await connectFirst(servers, logs);
  if (!found) return fail('all spamd servers failed');
  const { server, conn } = found;
  const head = Buffer.from(spamdRequestHead({ ...info, contentLength: content.length }, server.rspamd), 'latin1');
  let answer: string;
  try {
    const reply = await exchange(conn.socket, [head, content], start + server.timeout * 1000, { halfClose: true, maxBytes: MAX_ANSWER });
    answer = reply.toString('latin1');
  } catch (e) {
    return fail(`error reading from spamd ${conn.calloutAddress}, socket: ${strerror(e)}`);
  }
  if (answer === '') return fail(`error reading from spamd ${conn.calloutAddress}, socket: end of file`);
  const verdict = server.rspamd ? parseRspamdReply(answer) : parseSpamAssassinReply(answer);
  if (!verdict) return fail(`cannot parse spamd ${conn.calloutAddress} output`);
  return { ok: true, vars: spamVariables(verdict), spam: verdict.score >= verdict.threshold, calloutAddress: conn.calloutAddress, logs };
}
