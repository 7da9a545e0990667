// Building ACL contexts for tests: a configuration written to a temporary
// file and loaded as tern loads it, a context with the usual SMTP session
// variables, and a logger that records what the engine writes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { newContext } from '../../src/expand/context.ts';
import { newConnectionState, newMessageState, runAcl, type AclContext, type AclResult, type AclWhere } from '../../src/acl/index.ts';

export interface Recorded {
  main: string[];
  reject: string[];
  panic: string[];
  trace: string[];
}

export function tmpDir(prefix = 'tern-acl-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A configuration with the given main options and ACL section; spool in a fresh temp dir. */
export function makeConfig(acls: string, main = ''): { config: Config; dir: string } {
  const dir = tmpDir();
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `spool_directory = ${dir}/spool\nprimary_hostname = test.example\n${main}\nbegin acl\n${acls}\n`);
  return { config: loadConfig(file), dir };
}

export interface SessionOptions {
  hostAddress?: string;
  helo?: string;
  sender?: string;
  vars?: Record<string, string>;
}

/** A context for one SMTP session; call reset() between messages. */
export function makeSession(config: Config, opts: SessionOptions = {}): { actx: AclContext; rec: Recorded; run: (where: AclWhere, spec: string, recipient?: string) => Promise<AclResult> } {
  const rec: Recorded = { main: [], reject: [], panic: [], trace: [] };
  const expand = newContext({ namedLists: config.namedLists });
  const vars = expand.vars;
  const set = (k: string, v: string): void => void vars.set(k, { value: v, tainted: false });
  if (opts.hostAddress) {
    set('sender_host_address', opts.hostAddress);
    set('sender_fullhost', `${opts.helo !== undefined ? `(${opts.helo}) ` : ''}[${opts.hostAddress}]`);
  }
  if (opts.helo !== undefined) set('sender_helo_name', opts.helo);
  if (opts.sender !== undefined) set('sender_address', opts.sender);
  for (const [k, v] of Object.entries(opts.vars ?? {})) set(k, v);
  const actx: AclContext = {
    config,
    expand,
    conn: newConnectionState(opts.hostAddress ? { address: opts.hostAddress } : undefined),
    msg: newMessageState(),
    logger: {
      main: (t) => void rec.main.push(t),
      reject: (t) => void rec.reject.push(t),
      panic: (t) => void rec.panic.push(t),
      selector: { has: (n) => ['acl_warn_skipped', 'dnslist_defer'].includes(n) },
    },
    trace: (l) => void rec.trace.push(l),
  };
  const run = (where: AclWhere, spec: string, recipient?: string): Promise<AclResult> => {
    actx.recipient = recipient;
    return runAcl(spec, where, actx);
  };
  return { actx, rec, run };
}
