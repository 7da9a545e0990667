// An expansion context for the expansions the primary makes itself
// (pid_file_path, smtp_accept_max_per_host, smtp_reserve_hosts,
// smtp_active_hostname): main options readable by name, the configuration's
// named lists, and the connecting host's variables.

import type { Config } from '../config/index.ts';
import { configExpandContext } from '../config/expand-context.ts';
import type { ExpandContext } from '../expand/context.ts';

export interface PeerVars {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export function daemonExpandContext(config: Config, peer?: PeerVars): ExpandContext {
  const ctx = configExpandContext(config);
  if (peer) {
    // Addresses come from the kernel, not from the client's words: untainted, as in Exim.
    ctx.vars.set('sender_host_address', { value: peer.remoteAddress, tainted: false });
    ctx.vars.set('sender_host_port', { value: String(peer.remotePort), tainted: false });
    ctx.vars.set('received_ip_address', { value: peer.localAddress, tainted: false });
    ctx.vars.set('received_port', { value: String(peer.localPort), tainted: false });
    ctx.vars.set('interface_address', { value: peer.localAddress, tainted: false });
    ctx.vars.set('interface_port', { value: String(peer.localPort), tainted: false });
  }
  return ctx;
}
