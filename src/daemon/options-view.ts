// An expansion context for the expansions the primary makes itself
// (pid_file_path, smtp_accept_max_per_host, smtp_reserve_hosts,
// smtp_active_hostname): main options readable by name, the configuration's
// named lists, and the connecting host's variables.

import { optionString, type Config } from '../config/index.ts';
import { newContext, type ExpandContext } from '../expand/context.ts';

/** Main options read lazily from the configuration when the expander asks for them. */
class OptionView extends Map<string, string> {
  private readonly cfg: Config;
  constructor(cfg: Config) {
    super();
    this.cfg = cfg;
  }
  override get(name: string): string | undefined {
    try {
      const always = name === 'primary_hostname' || name === 'qualify_domain' || name === 'spool_directory';
      if (!always && !this.cfg.main.has(name)) return undefined;
      return optionString(this.cfg, name);
    } catch {
      return undefined;
    }
  }
}

export interface PeerVars {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export function daemonExpandContext(config: Config, peer?: PeerVars): ExpandContext {
  const ctx = newContext({ namedLists: config.namedLists as unknown as ExpandContext['namedLists'], options: new OptionView(config) });
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
