// The expansion context of one SMTP session: configuration options readable
// by the expander, named lists, and the session's variables.

import type { Config } from '../../config/types.ts';
import { configExpandContext } from '../../config/expand-context.ts';
import type { ExpandContext } from '../../expand/context.ts';
import { byteStringToText } from '../../expand/operators/bytes.ts';

export function sessionExpandContext(config: Config): ExpandContext {
  return configExpandContext(config);
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
