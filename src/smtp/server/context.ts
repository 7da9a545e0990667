// The expansion context of one SMTP session: configuration options readable
// by the expander, named lists, and the session's variables.

import type { Config } from '../../config/types.ts';
import { optionString } from '../../config/index.ts';
import { newContext, type ExpandContext } from '../../expand/context.ts';
import { byteStringToText } from '../../expand/operators/bytes.ts';

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

/**
 * A session variable from what the client sent. The session keeps byte
 * strings (one char per byte); the expander works on text (UTF-8 decoded,
 * other bytes escaped), so the value is converted here, at the boundary.
 */
export function setVar(ctx: ExpandContext, name: string, value: string, tainted = false): void {
  ctx.vars.set(name, { value: byteStringToText(value), tainted });
}

/** A variable whose value is already expander text (the result of an expansion). */
export function setTextVar(ctx: ExpandContext, name: string, value: string, tainted = false): void {
  ctx.vars.set(name, { value, tainted });
}
