// Where a callout goes and how it greets (spec section "Callout
// verification"): the router's hosts, or the smtp transport's `hosts` when
// the router gave none or the transport has hosts_override; the port,
// outgoing interface and HELO name from the transport (else port 25, no
// interface, $smtp_active_hostname); whether to try STARTTLS. $domain and
// $local_part are those of the address while the transport's options are
// expanded.

import { findDriverOption } from '../config/options.ts';
import type { Config, DriverInstance } from '../config/types.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandStringAsync } from '../expand/index.ts';
import { matchHostList, splitList } from '../lists/index.ts';
import { hostAddresses } from '../routers/hosts.ts';
import type { RouteHost, RouteOutcome } from '../routers/index.ts';
import { AsyncMemo, runSuspendable } from '../util/suspend.ts';

export interface CalloutHost {
  name: string;
  address: string;
  /** The host item's own port (manualroute "host::port"), before the transport's. */
  port?: number;
}

export interface CalloutTarget {
  hosts: CalloutHost[];
  port: number;
  /** The local address to connect from, when the transport names one. */
  localAddress?: string;
  heloName: string;
  lmtp: boolean;
  /** protocol = smtps: TLS from the start. */
  tlsOnConnect: boolean;
  /** The transport's return_path, expanded (use_tptsender's sender), when set. */
  returnPath?: string;
  transport?: DriverInstance;
  /** The expansion context with the address's $domain and $local_part. */
  ctx: ExpandContext;
}

export class CalloutSetupError extends Error {}

const WELL_KNOWN_PORTS: Record<string, number> = { smtp: 25, submission: 587, submissions: 465, smtps: 465, lmtp: 24 };

function optionText(t: DriverInstance, name: string): string | undefined {
  const set = t.options.get(name);
  if (set) return set.value.kind === 'bool' ? (set.value.value ? 'true' : 'false') : set.raw;
  return findDriverOption('transports', t.driver, name)?.default ?? undefined;
}

async function expandTransportOption(t: DriverInstance, name: string, ctx: ExpandContext): Promise<string | undefined> {
  const text = optionText(t, name);
  if (text === undefined) return undefined;
  try {
    return await expandStringAsync(text, ctx);
  } catch (e) {
    throw new CalloutSetupError(`failed to expand "${text}" in ${t.name} transport: ${(e as Error).message}`);
  }
}

function parsePort(text: string, t: DriverInstance): number {
  const s = text.trim().toLowerCase();
  if (/^\d+$/.test(s) && Number(s) > 0 && Number(s) < 65536) return Number(s);
  const known = WELL_KNOWN_PORTS[s];
  if (known !== undefined) return known;
  throw new CalloutSetupError(`invalid port "${text}" in ${t.name} transport`);
}

/** Is the host in one of the transport's host-list options (hosts_avoid_tls...)? */
export async function hostInTransportList(target: CalloutTarget, name: string, host: CalloutHost): Promise<boolean> {
  const t = target.transport;
  if (!t) return false;
  const list = await expandTransportOption(t, name, target.ctx);
  if (list === undefined || list === '') return false;
  const m = await runSuspendable(target.ctx.memo, () => matchHostList({ address: host.address, name: host.name }, list, target.ctx));
  return m.result === 'ok';
}

/** The transport's `hosts`, looked up (bydns/byname as the routers do), traced as Exim's byname lookup is. */
async function transportHosts(config: Config, t: DriverInstance, ctx: ExpandContext, unresolved: string[], trace?: (line: string) => void): Promise<RouteHost[]> {
  const list = await expandTransportOption(t, 'hosts', ctx);
  if (list === undefined) return [];
  const out: RouteHost[] = [];
  for (const item of splitList(list)) {
    const name = item.trim().replace(/::?\d+$/, '');
    if (name === '') continue;
    const h = await hostAddresses({ config, ctx }, name);
    if (h.status !== 'ok') {
      unresolved.push(name);
      continue;
    }
    trace?.('gethostbyname2 looked up these IP addresses:');
    for (const x of h.hosts) trace?.(`  name=${x.name} address=${x.address}`);
    out.push(...h.hosts);
  }
  return out;
}

/** Work out the callout's target for a routed address; undefined when there is nothing to call (no smtp transport hosts). */
export async function calloutTarget(config: Config, outcome: RouteOutcome, callerCtx: ExpandContext, trace?: (line: string) => void): Promise<CalloutTarget | undefined> {
  const ctx: ExpandContext = { ...callerCtx, vars: new Map(callerCtx.vars), memo: new AsyncMemo() };
  const a = outcome.address;
  ctx.vars.set('domain', { value: a.domain, tainted: true });
  ctx.vars.set('local_part', { value: a.localPart, tainted: true });
  const transport = outcome.transport === undefined ? undefined : config.transports.find((t) => t.name === outcome.transport);
  // Callouts are made only over smtp transports (or with no transport, for verify-only routers).
  if (transport && transport.driver !== 'smtp') return undefined;
  let hosts: RouteHost[] = outcome.hosts ?? [];
  const unresolved: string[] = [];
  if (transport && (hosts.length === 0 || optionText(transport, 'hosts_override') === 'true')) {
    const th = await transportHosts(config, transport, ctx, unresolved, trace);
    if (th.length > 0) hosts = th;
  }
  const found: CalloutHost[] = [];
  for (const h of hosts) {
    if (h.address) {
      found.push({ name: h.name, address: h.address, port: h.port });
      continue;
    }
    const looked = await hostAddresses({ config, ctx }, h.name);
    if (looked.status === 'ok') for (const x of looked.hosts) found.push({ name: x.name, address: x.address!, port: h.port });
    else unresolved.push(h.name);
  }
  // No hosts at all: nothing to call. Hosts whose addresses could not be found: that is no success.
  if (found.length === 0 && unresolved.length > 0) throw new CalloutSetupError(`no IP address found for host ${unresolved.join(', ')}`);
  if (found.length === 0) return undefined;
  let port = 25;
  let localAddress: string | undefined;
  let heloName: string;
  let lmtp = false;
  let tlsOnConnect = false;
  let returnPath: string | undefined;
  if (transport) {
    port = parsePort((await expandTransportOption(transport, 'port', ctx)) ?? 'smtp', transport);
    const iface = await expandTransportOption(transport, 'interface', ctx);
    if (iface) localAddress = splitList(iface).map((s) => s.trim()).find((s) => s !== '');
    heloName = (await expandTransportOption(transport, 'helo_data', ctx)) ?? '';
    const protocol = (optionText(transport, 'protocol') ?? 'smtp').toLowerCase();
    lmtp = protocol === 'lmtp';
    tlsOnConnect = protocol === 'smtps';
    // smtps has its own default port
    if (tlsOnConnect && optionText(transport, 'port') === 'smtp' && !transport.options.has('port')) port = 465;
    returnPath = await expandTransportOption(transport, 'return_path', ctx);
  } else {
    heloName = await expandStringAsync('$smtp_active_hostname', ctx);
  }
  return { hosts: found, port, localAddress, heloName, lmtp, tlsOnConnect, returnPath, transport, ctx };
}
