// The expansion context of one SMTP session: configuration options readable
// by the expander, named lists, and the session's variables.

import type { Config } from '../../config/types.ts';
import { optionString } from '../../config/index.ts';
import { newContext, type ExpandContext } from '../../expand/context.ts';

/** Main options, read from the configuration when the expander asks. */
class ConfigOptionView extends Map<string, string> {
  private readonly cfg: Config;
  constructor(cfg: Config) {
    super();
    this.cfg = cfg;
  }
  override get(name: string): string | undefined {
    const own = super.get(name);
    if (own !== undefined) return own;
    try {
      const v = optionString(this.cfg, name);
      return v === '' && !this.cfg.main.has(name) ? undefined : v;
    } catch {
      return undefined;
    }
  }
}

export function sessionExpandContext(config: Config): ExpandContext {
  const ctx = newContext();
  ctx.namedLists = config.namedLists;
  ctx.options = new ConfigOptionView(config);
  ctx.options.set('config_file', config.configFile);
  return ctx;
}

export function setVar(ctx: ExpandContext, name: string, value: string, tainted = false): void {
  ctx.vars.set(name, { value, tainted });
}
