// The iplookup router (chapter "The iplookup router"): the address is sent
// over UDP or TCP to each of `hosts` in turn until one answers; the answer
// (checked against response_pattern, or against the query when that was the
// default) rewrites the address, which goes on to the following routers. No
// answer from any host defers, or passes with `optional`.

import dgram from 'node:dgram';
import net from 'node:net';
import type { DriverInstance } from '../config/types.ts';
import { readTime } from '../config/values.ts';
import { ExpandError, expandStringAsync } from '../expand/index.ts';
import { splitList } from '../lists/index.ts';
import { compileRegex, RegexError } from '../regex/index.ts';
import { hostAddresses } from './hosts.ts';
import { boolOption, expandOption, isSet, rawOption } from './options.ts';
import type { DriverAnswer, RoutingAddress, RoutingEnv } from './types.ts';

const DEFAULT_QUERY = '$local_part@$domain $local_part@$domain';
const DEFAULT_TIMEOUT_S = 5;
const MAX_RESPONSE = 1024;

/** One exchange with one host: the response text, or undefined (no answer in time, refused...). */
export function askHost(protocol: 'udp' | 'tcp', address: string, port: number, query: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let done = false;
    let close = (): void => {};
    const finish = (v: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      resolve(v);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    if (protocol === 'udp') {
      const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
      close = () => sock.close();
      sock.on('message', (m) => finish(m.subarray(0, MAX_RESPONSE).toString('latin1')));
      sock.on('error', () => finish(undefined));
      sock.send(Buffer.from(query, 'latin1'), port, address, (e) => { if (e) finish(undefined); });
    } else {
      const sock = net.connect({ host: address, port });
      close = () => sock.destroy();
      let buf = '';
      sock.setEncoding('latin1');
      sock.on('connect', () => sock.write(query));
      sock.on('data', (d: string) => {
        buf += d;
        if (buf.length >= MAX_RESPONSE) finish(buf.slice(0, MAX_RESPONSE));
      });
      sock.on('end', () => finish(buf === '' ? undefined : buf));
      sock.on('error', () => finish(undefined));
    }
  });
}

export async function iplookupRouter(env: RoutingEnv, r: DriverInstance, _a: RoutingAddress): Promise<DriverAnswer> {
  const hostsText = rawOption(r, 'hosts');
  const port = Number(rawOption(r, 'port') ?? '0');
  if (!hostsText || !(port > 0)) return { rc: 'defer', message: `${r.name} router: hosts and port must be set` };
  const protocol = (rawOption(r, 'protocol') ?? 'udp').toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp') return { rc: 'defer', message: `${r.name} router: protocol must be "udp" or "tcp"` };
  const timeoutText = rawOption(r, 'timeout');
  const timeoutMs = (timeoutText === undefined ? DEFAULT_TIMEOUT_S : Math.max(0, readTime(timeoutText))) * 1000;
  // (the options table has no usable default for query: "see below" in the spec)
  const queryDefaulted = !isSet(r, 'query');
  let query: string;
  try {
    query = queryDefaulted ? await expandStringAsync(DEFAULT_QUERY, env.ctx) : (await expandOption(r, 'query', env.ctx)) ?? '';
  } catch (e) {
    if (e instanceof ExpandError) return { rc: 'defer', message: `${r.name} router: failed to expand query: ${e.message}` };
    throw e;
  }

  let response: string | undefined;
  for (const name of splitList(hostsText).filter((h) => h !== '')) {
    const found = await hostAddresses(env, name, undefined, { byName: true });
    if (found.status !== 'ok') continue;
    for (const h of found.hosts) {
      response = await askHost(protocol, h.address!, port, query, timeoutMs);
      if (response !== undefined) break;
    }
    if (response !== undefined) break;
  }
  if (response === undefined) {
    if (boolOption(r, 'optional')) return { rc: 'pass' };
    return { rc: 'defer', message: `${r.name} router: no response from any host` };
  }
  response = response.replace(/[\r\n]+$/, '');

  // The answer must be to our question: response_pattern, or (default query) the original address after the first blank.
  let caps: (string | undefined)[] = [response];
  const pattern = rawOption(r, 'response_pattern');
  if (pattern !== undefined) {
    let m: (string | undefined)[] | null;
    try {
      m = compileRegex(pattern).exec(response);
    } catch (e) {
      if (e instanceof RegexError) return { rc: 'defer', message: `${r.name} router: error in response_pattern: ${e.message}` };
      throw e;
    }
    if (!m) return { rc: 'decline' };
    caps = m;
  } else if (queryDefaulted) {
    const sp = response.search(/\s/);
    if (sp < 0 || response.slice(sp).trim() !== query.split(' ', 1)[0]) return { rc: 'decline' };
  }

  let rerouted: string;
  if (rawOption(r, 'reroute') === undefined) rerouted = response.split(/\s/, 1)[0];
  else {
    const saved = env.ctx.numericVars;
    env.ctx.numericVars = { caps, tainted: true };
    try {
      rerouted = (await expandOption(r, 'reroute', env.ctx)) ?? '';
    } catch (e) {
      if (e instanceof ExpandError) return { rc: 'defer', message: `${r.name} router: failed to expand reroute: ${e.message}` };
      throw e;
    } finally {
      env.ctx.numericVars = saved;
    }
  }
  const at = rerouted.lastIndexOf('@');
  if (at <= 0 || at === rerouted.length - 1) return { rc: 'defer', message: `${r.name} router: bad rerouted address "${rerouted}" (not local_part@domain)` };
  return { rc: 'redirect', children: [{ kind: 'address', address: rerouted }], fromNextRouter: true };
}
