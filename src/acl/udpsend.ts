// udpsend = host : port : payload — one UDP datagram, e.g. for statistics.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { lookupHostAddressesSync } from '../dns/index.ts';
import { listSeparator, splitList } from '../lists/index.ts';
import { attempt, trace, waitFor, type Rc, type RunState, type Step } from './state.ts';

export function* udpsend(st: RunState, arg: string): Step<Rc> {
  const { host, port, payload } = splitUdpArg(arg);
  if (host === undefined) return fail(st, 'missing destination host in "udpsend" modifier', 'ERROR');
  if (port === undefined) return fail(st, 'missing destination port in "udpsend" modifier', 'ERROR');
  if (payload === undefined) return fail(st, 'missing datagram payload in "udpsend" modifier', 'ERROR');
  if (!/^[+-]?\d*$/.test(port)) return fail(st, 'bad port number in "udpsend" modifier', 'ERROR');
  const portNum = Number(port || '0');
  let address = host;
  if (!isIP(host)) {
    const ans = yield* attempt(st, () => lookupHostAddressesSync(st.actx.expand.memo, host));
    const rec = ans.status === 'ok' ? ans.records.find((r) => r.data) : undefined;
    if (!rec?.data) return fail(st, 'DNS lookup failed in "udpsend" modifier', 'DEFER');
    address = rec.data;
  }
  trace(st, `udpsend [${address}]:${portNum} ${payload}`);
  const data = Buffer.from(payload, 'utf8');
  const err = yield* waitFor(st, `udpsend\0${address}\0${portNum}\0${payload}\0${Math.random()}`, () => send(address, portNum, data));
  if (err) return fail(st, `"udpsend" failed: ${err}`, 'DEFER');
  trace(st, `udpsend ${data.length} bytes`);
  return 'OK';
}

function fail(st: RunState, msg: string, rc: Rc): Rc {
  st.logMsg = msg;
  return rc;
}

/** host and port are the first two list items; the payload is the rest of the text, unsplit. */
function splitUdpArg(arg: string): { host?: string; port?: string; payload?: string } {
  const { sep, start } = listSeparator(arg);
  const items: string[] = [];
  let pos = start;
  for (let n = 0; n < 2; n++) {
    while (pos < arg.length && /\s/.test(arg[pos])) pos++;
    if (pos >= arg.length) return { host: items[0], port: items[1] };
    let item = '';
    while (pos < arg.length) {
      if (arg[pos] === sep) {
        if (arg[pos + 1] === sep) {
          item += sep;
          pos += 2;
          continue;
        }
        break;
      }
      item += arg[pos++];
    }
    items.push(item.trim());
    pos++;
  }
  if (pos > arg.length) return { host: items[0], port: items[1] };
  return { host: items[0], port: items[1], payload: splitList(arg).length > 2 ? arg.slice(pos).replace(/^\s+/, '') : undefined };
}

function send(address: string, port: number, data: Buffer): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    sock.once('error', (e) => {
      sock.close();
      resolve(e.message);
    });
    sock.send(data, port, address, (e) => {
      sock.close();
      resolve(e ? e.message : undefined);
    });
  });
}
