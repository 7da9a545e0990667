// Replays the SMTP sessions of golden-cases.ts through runAcl, acting as a
// minimal SMTP server (HELO/MAIL/RCPT/DATA/RSET/QUIT bookkeeping only), and
// compares with what Exim 4.98 did (fixtures/golden): the ACL trace lines
// of -bh, the log lines the ACLs themselves write, each ACL's verdict
// against the response code, and custom response texts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { newContext } from '../../src/expand/context.ts';
import { newConnectionState, newMessageState, runAcl, type AclContext, type AclResult, type AclWhere } from '../../src/acl/index.ts';
import { closeHintsDbs } from '../../src/hints/db.ts';
import { GOLDEN_CASES, type GoldenCase } from './golden-cases.ts';
import { tmpDir } from './helpers.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'golden');

interface Fixture {
  conf: string;
  script: string;
  stdout: string;
  stderr: string;
}

/** Trace lines that come from the ACL engine (not list matching, routing or SMTP option checks). */
const ACL_LINE = /^>>>[ \u254e]*(using ACL|processing "|check |\s+= |\s*message: |l_message: |[a-z]+: condition test|end of |read ACL|ACL ".*" is empty|delay |accept: endpass|discard: endpass|ratelimit |verify defer|CSA |seen db|verifying EHLO\/HELO argument|matched host (?:address|name)|matched alias |no EHLO\/HELO command|no client IP address|getting IP address for |IP address for \S+ matches|Forward DNS security)/;
const normTrace = (l: string): string => l.replace(/\((?:CONF|\/\S+) (\d+)\)$/, '(CONF $1)');
/** Trace lines of list matching inside ACL conditions. */
const LIST_LINE = /^>>>[ \u254e]*(list element: |.* in ".*"\?| start sublist | end sublist |cached (yes|no) match for |cached lookup data = |data from lookup saved for cache )/;

/** The ACL engine's lines (with its list matching), leaving out the SMTP session's checks of host/domain list options. */
function aclTraceLines(stderr: string): string[] {
  const out: string[] = [];
  let optionCheck: string | undefined;
  for (const l of stderr.split('\n')) {
    if (optionCheck !== undefined) {
      if (l.replace(/^>>>[ \u254e]*/, '').startsWith(optionCheck)) optionCheck = undefined;
      continue;
    }
    const m = /^>>> (\S+ in [a-z0-9_]+\?)(.*)$/.exec(l);
    if (m) {
      if (m[2] === '') optionCheck = `${m[1]} `;
      continue;
    }
    if (ACL_LINE.test(l) || LIST_LINE.test(l)) out.push(normTrace(l));
  }
  return out;
}
/** Log lines that the SMTP layer writes (rejections and connection events), not the ACL engine. */
const SMTP_LOG = /^rejected | rejected |^ACL for (?:QUIT|not-QUIT) returned| temporarily rejected |: discarded by |sender verify |SMTP call from|SMTP protocol|no MAIL in SMTP|dropped:|qualify\/rewrite:/;

interface Response {
  code: number;
  lines: string[];
}

function parseResponses(stdout: string): Response[] {
  const out: Response[] = [];
  let cur: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^(\d\d\d)([ -])(.*)$/.exec(line);
    if (!m) continue;
    cur.push(m[3]);
    if (m[2] === ' ') {
      out.push({ code: Number(m[1]), lines: cur });
      cur = [];
    }
  }
  return out;
}

interface Step {
  command: string;
  where?: AclWhere;
  result?: AclResult;
}

const WIRED: Partial<Record<AclWhere, string>> = { connect: 'connect', helo: 'helo', mail: 'mail', rcpt: 'rcpt', predata: 'predata', data: 'data', quit: 'quit' };

async function replay(c: GoldenCase, fx: Fixture): Promise<{ steps: Step[]; trace: string[]; logs: string[] }> {
  const dir = tmpDir();
  const spool = path.join(dir, 'spool');
  fs.mkdirSync(spool);
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, fx.conf.replaceAll('SPOOL', spool));
  const config = loadConfig(file);
  const trace: string[] = [];
  const logs: string[] = [];
  const log = (t: string): void => {
    if (logs[logs.length - 1] !== t) logs.push(t);
  };
  const expand = newContext({ namedLists: config.namedLists });
  const ip = c.ip ?? '192.0.2.1';
  const vars = expand.vars;
  const set = (k: string, v: string | undefined): void => {
    if (v === undefined) vars.delete(k);
    else vars.set(k, { value: v, tainted: false });
  };
  set('sender_host_address', ip);
  set('sender_fullhost', `[${ip}]`);
  const actx: AclContext = {
    config, expand,
    conn: newConnectionState({ address: ip }),
    msg: newMessageState(),
    logger: { main: log, reject: log, panic: log, selector: { has: (n) => ['acl_warn_skipped', 'dnslist_defer'].includes(n) } },
    trace: (l) => void trace.push(`>>> ${l}`),
    hostChecking: true,
  };
  const defined = (w: AclWhere): boolean => new RegExp(`^acl_smtp_${w} = `, 'm').test(fx.conf);
  const steps: Step[] = [];
  const run = async (where: AclWhere, recipient?: string): Promise<AclResult | undefined> => {
    if (!defined(where)) return undefined;
    actx.recipient = recipient;
    return runAcl(WIRED[where]!, where, actx);
  };
  const resetMessage = (): void => {
    actx.msg = newMessageState();
    for (const k of [...vars.keys()]) if (k.startsWith('acl_m')) vars.delete(k);
    set('sender_address', undefined);
    set('rcpt_count', '0');
    set('recipients_count', '0');
    set('recipients', undefined);
  };
  let dropped = false;
  const connect = await run('connect');
  steps.push({ command: '(connect)', where: 'connect', result: connect });
  let haveSender = false;
  let haveHelo = false;
  let mailDiscarded = false;
  let recipients: string[] = [];
  for (const command of c.commands) {
    if (dropped) break;
    const step: Step = { command };
    steps.push(step);
    const verb = command.split(/[ :]/)[0].toUpperCase();
    if (verb === 'HELO') {
      const helo = command.slice(5).trim();
      set('sender_helo_name', helo);
      set('sender_fullhost', `(${helo}) [${ip}]`);
      resetMessage();
      haveSender = false;
      step.where = 'helo';
      step.result = await run('helo');
      haveHelo = !step.result || step.result.verdict === 'accept';
      if (!haveHelo) set('sender_helo_name', undefined);
    } else if (verb === 'MAIL') {
      if (!haveHelo) continue;
      const sender = /<(.*)>/.exec(command)?.[1] ?? '';
      resetMessage();
      set('sender_address', sender);
      step.where = 'mail';
      step.result = await run('mail');
      haveSender = !step.result || step.result.verdict === 'accept' || step.result.verdict === 'discard';
      if (!haveSender) set('sender_address', undefined);
      mailDiscarded = step.result?.verdict === 'discard';
      recipients = [];
    } else if (verb === 'RCPT') {
      if (!haveSender) continue;
      const rcpt = /<(.*)>/.exec(command)?.[1] ?? '';
      set('rcpt_count', String(Number(vars.get('rcpt_count')?.value ?? '0') + 1));
      if (mailDiscarded) continue;
      step.where = 'rcpt';
      step.result = await run('rcpt', rcpt);
      if (step.result?.verdict === 'accept' || step.result?.verdict === 'discard') {
        recipients.push(rcpt);
        set('recipients_count', String(recipients.length));
        set('recipients', recipients.join(', '));
      }
    } else if (verb === 'DATA') {
      if (!haveSender || recipients.length === 0) continue;
      step.where = 'predata';
      step.result = await run('predata');
      if (step.result && step.result.verdict !== 'accept') continue;
      const msg = c.message ?? '';
      const [head] = msg.split('\r\n\r\n');
      actx.headers = head.split('\r\n').filter((h) => h !== '').map((h) => `${h}\n`);
      const dataStep: Step = { command: '(end of data)', where: 'data' };
      steps.push(dataStep);
      dataStep.result = await run('data');
      resetMessage();
      haveSender = false;
    } else if (verb === 'RSET') {
      resetMessage();
      haveSender = false;
    } else if (verb === 'QUIT') {
      step.where = 'quit';
      step.result = await run('quit');
    }
    if (step.result?.verdict === 'drop') dropped = true;
  }
  closeHintsDbs();
  fs.rmSync(dir, { recursive: true, force: true });
  return { steps, trace, logs };
}

/** The text of a response as an ACL message would produce it (code and extended code stripped as Exim adds them). */
function responseText(r: Response): string {
  return r.lines.join('\n');
}

function expectedText(msg: string): string {
  return msg.split('\n').map((l, i) => (i === 0 ? l.replace(/^\d\d\d /, '') : l)).join('\n');
}

for (const c of GOLDEN_CASES) {
  const file = path.join(FIXTURES, `${c.name}.json`);
  test(`golden: ${c.name}`, { skip: !fs.existsSync(file) && 'fixture not recorded' }, async () => {
    const fx = JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture;
    const { steps, trace, logs } = await replay(c, fx);
    const want = aclTraceLines(fx.stderr);
    assert.deepEqual(trace.map(normTrace), want, 'ACL trace lines');
    const wantLogs = fx.stderr.split('\n').filter((l) => l.startsWith('LOG: ')).map((l) => l.slice(5)).filter((l) => !SMTP_LOG.test(l));
    assert.deepEqual(logs.filter((l) => !SMTP_LOG.test(l)), wantLogs, 'log lines written by ACLs');
    const responses = parseResponses(fx.stdout);
    // responses[0] is the banner (connect); then one per command, plus one for the end of data.
    let i = 0;
    for (const step of steps) {
      const r = responses[i++];
      if (!r || !step.result || step.where === 'quit') continue;
      const v = step.result.verdict;
      const cls = Math.floor(r.code / 100);
      const ok = v === 'accept' || v === 'discard' ? cls === 2 || cls === 3 : v === 'deny' || v === 'drop' ? cls === 5 : cls === 4;
      assert.ok(ok, `${c.name}: ${step.command}: verdict ${v} but Exim replied ${r.code} ${r.lines.join(' / ')}`);
      if (step.result.userMessage !== undefined && (v !== 'accept' || step.where !== 'helo')) {
        assert.equal(responseText(r), expectedText(step.result.userMessage), `${c.name}: ${step.command}: response text`);
      }
    }
  });
}
