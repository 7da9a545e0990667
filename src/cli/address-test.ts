// -bt (address testing) and -bv / -bvs (address verification): route each
// address given (or read from stdin, one per line with a "> " prompt) and
// report as Exim does. Exit code: 2 if any address failed, else 1 if any
// was deferred, else 0.

import { loadConfigForMode } from './load-config.ts';
import readline from 'node:readline';
import type { CliOptions } from './args.ts';
import type { Config } from '../config/index.ts';
import { extractAddress } from '../expand/operators/address.ts';
import type { ExpandContext } from '../expand/context.ts';
import { routeAddress, type RouteOutcome, type RoutingAddress } from '../routers/index.ts';
import { sessionExpandContext } from '../smtp/server/context.ts';
import { verifyAddress } from '../verify/index.ts';
import { rewriteAddress } from '../rewrite/index.ts';
import { formatLogTime } from './log-time.ts';

type Write = (s: string) => void;

interface Run {
  config: Config;
  ctx: ExpandContext;
  mode: 'test' | 'verify-recipient' | 'verify-sender';
  out: Write;
  err: Write;
  /** Addresses already routed to a transport (Exim reports repeats as duplicates). */
  delivered: Set<string>;
  worst: number;
}

function qualifyWith(run: Run): string {
  const o = run.ctx.options;
  const dflt = o?.get('primary_hostname') ?? '';
  const domain = o?.get('qualify_domain') || dflt;
  return run.mode === 'verify-sender' ? domain : o?.get('qualify_recipient') || domain;
}

function ancestors(a: RoutingAddress | undefined): string {
  let s = '';
  for (let p = a; p; p = p.parent) s += `    <-- ${p.address}\n`;
  return s;
}

function hostLine(h: { name: string; address?: string; mx?: number; dnssec?: boolean; port?: number }): string {
  return `  host ${h.name} [${h.address ?? '<null>'}]${h.port !== undefined ? ` port=${h.port}` : ''}${h.mx !== undefined ? ` MX=${h.mx}` : ''}${h.dnssec ? ' AD' : ''}\n`;
}

/** One routing leaf as -bt prints it. */
export function formatOutcome(o: RouteOutcome, delivered?: Set<string>): string {
  const a = o.address;
  switch (o.result) {
    case 'fail':
      return `${a.address} is undeliverable: ${o.message ?? 'Unrouteable address'}\n${ancestors(a.parent)}`;
    case 'defer':
      return `${a.address} cannot be resolved at this time: ${o.message ?? ''}\n${ancestors(a.parent)}`;
    case 'discard':
      return `mail to ${a.address} is discarded\n${ancestors(a.parent)}`;
    case 'accept': {
      // a file or pipe names its parent and no further ancestors (checked with exim4 -bt)
      if (o.fileOrPipe !== undefined && o.forbidden) return `${a.parent?.address ?? ''} -> ${o.fileOrPipe} *** forbidden ***\n`;
      if (o.fileOrPipe !== undefined) {
        return `${a.parent?.address ?? ''} -> ${o.fileOrPipe}\n  transport = ${o.transport ?? 'unset'}\n`;
      }
      const key = `${a.localPart}@${a.domain.toLowerCase()}`;
      const dup = delivered?.has(key) ? '   [duplicate, would not be delivered]' : '';
      delivered?.add(key);
      let s = `${a.address}${dup}\n${ancestors(a.parent)}  router = ${o.router}, transport = ${o.transport ?? 'unset'}\n`;
      for (const h of o.hosts ?? []) s += hostLine(h);
      return s;
    }
  }
}

function rcOf(result: string): number {
  return result === 'fail' ? 2 : result === 'defer' ? 1 : 0;
}

async function one(run: Run, text: string): Promise<void> {
  const raw = text.trim();
  if (raw === '') return;
  const parsed = extractAddress(raw);
  if ('error' in parsed) {
    run.out(`syntax error: ${parsed.error}\n`);
    run.worst = Math.max(run.worst, 2);
    return;
  }
  let address = parsed.domainStart === 0 ? `${parsed.address}@${qualifyWith(run)}` : parsed.address;
  // the rewrite rules apply first, to a recipient (a sender with -bvs), as exim4 -bt/-bv shows
  if (run.config.rewrite.length > 0) {
    const r = rewriteAddress(address, run.mode === 'verify-sender' ? 'F' : 'T', run.config.rewrite, {
      ctx: run.ctx, qualifyRecipient: qualifyWith({ ...run, mode: 'test' }), // -bt shows its log lines as "LOG:" blocks, -bv as time-stamped lines (exim4 4.98)
      log: (l) => run.err(run.mode === 'test' ? `LOG: MAIN PANIC\n  ${l}\n` : `${formatLogTime(new Date())} ${l}\n`),
    });
    if (r.changed && r.address !== address) {
      run.out(`Address rewritten as: ${r.address}\n`);
      address = r.address;
    }
  }
  const env = { config: run.config, ctx: { ...run.ctx, vars: new Map(run.ctx.vars) }, log: (l: string) => run.err(`LOG: MAIN\n  ${l}\n`),
    panic: (l: string) => run.err(`LOG: PANIC\n  ${l}\n`), panicMain: (l: string) => run.err(`LOG: MAIN PANIC\n  ${l}\n`) };
  if (run.mode === 'test') {
    // -bt shows the routers' debug_print texts (on stderr, as Exim writes them)
    const outcomes = await routeAddress({ ...env, addressTest: true, debugPrint: (line) => process.stderr.write(`${line}\n`) }, address);
    for (const o of outcomes) {
      run.out(formatOutcome(o, run.delivered));
      run.worst = Math.max(run.worst, rcOf(o.result));
    }
    return;
  }
  const r = await verifyAddress(address, run.mode === 'verify-sender' ? 'sender' : 'recipient', {}, env);
  if (r.result === 'ok') run.out(`${address} verified\n`);
  else if (r.result === 'fail') run.out(`${address} failed to verify: ${r.message ?? 'Unrouteable address'}\n`);
  else run.out(`${address} cannot be resolved at this time: ${r.message ?? ''}\n`);
  const code = r.result === 'ok' ? 0 : r.result === 'fail' ? 2 : 1;
  run.worst = code === 2 || run.worst === 2 ? 2 : Math.max(run.worst, code);
}

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfigForMode(opts);
  if (!config) return 1;
  const ctx = sessionExpandContext(config);
  if (opts.sender !== undefined) ctx.vars.set('sender_address', { value: opts.sender, tainted: false });
  const run: Run = {
    config, ctx,
    mode: opts.mode === 'address-test' ? 'test' : opts.modeFlag === '-bvs' ? 'verify-sender' : 'verify-recipient',
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    delivered: new Set(),
    worst: 0,
  };
  if (opts.args.length > 0) {
    for (const a of opts.args) await one(run, a);
    return run.worst;
  }
  // No addresses: read them from stdin, prompting as Exim does.
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  run.out('> ');
  for await (const line of rl) {
    await one(run, line);
    run.out('> ');
  }
  run.out('\n');
  return run.worst;
}
