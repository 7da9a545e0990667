// The queryprogram router (chapter "The queryprogram router"): the address is
// routed by what an external command prints. The command is split like a
// pipe command, each argument expanded on its own (a tainted one is refused,
// as in Exim 4.98), and run as command_user/command_group when we are root,
// in current_directory, killed after `timeout`. Its first output line says:
//   accept [transport=T] [hosts=H] [lookup=byname|bydns] [data=D]
//   decline | pass | fail <text> | defer <text> | freeze <text> | redirect <list>

import { spawn } from 'node:child_process';
import type { DriverInstance } from '../config/types.ts';
import { lookupGid } from '../config/users.ts';
import { expandCommandArgs } from '../expand/command-args.ts';
import { splitList } from '../lists/index.ts';
import { getpwnam } from '../util/passwd.ts';
import { readTime } from '../config/values.ts';
import { setVar } from './generic.ts';
import { routeToHostItems } from './manualroute.ts';
import { expandOption, rawOption } from './options.ts';
import { parseRedirectList } from './redirect.ts';
import type { DriverAnswer, RoutingAddress, RoutingEnv } from './types.ts';

const MAX_LINE = 1023;
const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;

interface Ran { code: number | null; output: string; timedOut: boolean; spawnError?: string }

function runCommand(argv: string[], ids: { uid?: number; gid?: number }, cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(argv[0], argv.slice(1), { cwd, uid: ids.uid, gid: ids.gid, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const timer = timeoutMs > 0 ? setTimeout(() => {
      timedOut = true;
      // the whole process group, as Exim kills it
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, timeoutMs) : undefined;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (d: string) => { if (output.length <= MAX_LINE * 4) output += d; });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, output: '', timedOut: false, spawnError: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/** The uid/gid to run as: only a root process can change them (else the command runs as we are). */
function commandIds(r: DriverInstance): { uid?: number; gid?: number } | string {
  if (process.getuid?.() !== 0) return {};
  const user = rawOption(r, 'command_user');
  if (user === undefined) return `command_user must be specified for the ${r.name} router`;
  let uid: number | undefined;
  let gid: number | undefined;
  if (/^\d/.test(user)) uid = Number(user);
  else {
    const pw = getpwnam(user);
    if (!pw) return `user ${user} for the ${r.name} router was not found`;
    uid = pw.uid;
    gid = pw.gid;
  }
  const group = rawOption(r, 'command_group');
  if (group !== undefined) {
    gid = /^\d/.test(group) ? Number(group) : lookupGid(group);
    if (gid === undefined) return `group ${group} for the ${r.name} router was not found`;
  }
  if (gid === undefined) return `command_group must be specified for the ${r.name} router when command_user is numeric`;
  return { uid, gid };
}

/** The key=value fields after "accept" (values may be in double quotes). */
export function acceptFields(rest: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    out.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return out;
}

export async function queryprogramRouter(env: RoutingEnv, r: DriverInstance, a: RoutingAddress): Promise<DriverAnswer> {
  const command = rawOption(r, 'command');
  if (command === undefined) return { rc: 'defer', message: `${r.name} router: command is not set` };
  const args = await expandCommandArgs(command, env.ctx);
  if ('tainted' in args) return { rc: 'defer', message: `Tainted arg ${args.tainted.index} for queryprogram router command: '${args.tainted.value}'` };
  if ('failed' in args) {
    return { rc: 'defer', message: `Expansion of "${args.failed.word}" from command "${command}" in queryprogram router failed: ${args.failed.message}` };
  }
  const argv = args.argv;
  if (argv.length === 0) return { rc: 'defer', message: `${r.name} router: command is empty` };
  const ids = commandIds(r);
  if (typeof ids === 'string') return { rc: 'defer', message: ids };
  const cwd = (await expandOption(r, 'current_directory', env.ctx)) ?? '/';
  const timeoutText = rawOption(r, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : Math.max(0, readTime(timeoutText)) * 1000;
  const ran = await runCommand(argv, ids, cwd, timeoutMs);
  if (ran.timedOut) return { rc: 'defer', message: `${r.name} router: command timed out` };
  if (ran.code !== 0) return { rc: 'defer', message: `${r.name} router: command returned non-zero code ${ran.code ?? 'signal'}` };
  const nl = ran.output.indexOf('\n');
  const line = (nl < 0 ? ran.output : ran.output.slice(0, nl)).slice(0, MAX_LINE);
  if (line.trim() === '') return { rc: 'defer', message: `${r.name} router: command failed to return data` };
  const m = /^\s*(\S+)\s*(.*)$/.exec(line)!;
  const word = m[1].toLowerCase();
  const rest = m[2];
  switch (word) {
    case 'decline': return { rc: 'decline' };
    case 'pass': return { rc: 'pass' };
    case 'fail': return { rc: 'fail', message: rest };
    // freeze is a delivery matter: while routing it defers like "defer"
    case 'defer': case 'freeze': return { rc: 'defer', message: rest, userMessage: false };
    case 'redirect': {
      const qualify = env.ctx.options?.get('qualify_recipient') ?? env.ctx.options?.get('qualify_domain') ?? '';
      const list = parseRedirectList(rest, { qualify: (lp) => `${lp}@${qualify}`, forbidInclude: true });
      if (list.kind !== 'items') return { rc: 'defer', message: `${r.name} router: bad redirect data: ${rest}` };
      return { rc: 'redirect', children: list.items };
    }
    case 'accept': {
      const f = acceptFields(rest);
      const data = f.get('data');
      if (data !== undefined) {
        a.addressData = data;
        setVar(env.ctx, 'address_data', data, true);
      }
      const transport = f.get('transport') ?? (await expandOption(r, 'transport', env.ctx));
      const hosts = f.get('hosts');
      if (hosts === undefined) return { rc: 'accept', transport };
      const items = splitList(hosts).filter((h) => h !== '' && h !== '+');
      if (items.length === 0) return { rc: 'accept', transport };
      // a host that cannot be found, or hosts all ignored, defer (queryprogram has no options for them)
      return routeToHostItems(env, r, a, items, transport, { hostFindFailed: 'defer', hostAllIgnored: 'defer', byDnsOnly: f.get('lookup')?.toLowerCase() === 'bydns' });
    }
  }
  const yieldText = `bad command yield: ${m[1]} ${rest}`;
  (env.panic ?? env.log)?.(`${r.name} router: ${yieldText}`);
  return { rc: 'defer', message: yieldText };
}
