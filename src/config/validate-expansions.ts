// Compile every expanded option once at load time (DESIGN: "compile the
// configuration once"), so that a syntax error in an expansion is reported
// with file and line before anything runs. The compiler is passed in so the
// configuration layer does not load the expansion engine unless asked.

import { ConfigError } from './errors.ts';
import type { OptionValue } from './option-types.ts';
import type { Config } from './types.ts';

/** Compiles one expansion string; throws (ExpandError) on a syntax error. */
export type CompileExpansion = (text: string) => unknown;

/** Options whose value is expanded: `string*`, expanded lists and expandable ids. */
export function isExpandedSetting(v: OptionValue): boolean {
  if (v.def.expanded) return v.value.kind === 'string' || v.value.kind === 'ids';
  // Host/domain/address/local-part lists are always expanded (spec "List construction").
  return ['hostlist', 'domainlist', 'addresslist', 'localpartlist'].includes(v.def.type) && v.value.kind === 'string';
}

/** Compiled expansions by option, for later evaluation; the key is "main/<name>" or "<kind>/<instance>/<name>". */
export function validateExpansions(cfg: Config, compile: CompileExpansion): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const one = (key: string, v: OptionValue) => {
    if (!isExpandedSetting(v)) return;
    const text = v.value.kind === 'string' || v.value.kind === 'ids' ? v.value.value : v.raw;
    try {
      out.set(key, compile(text));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new ConfigError(`failed to expand "${v.def.name}": ${msg}`, v.where.file, v.where.line);
    }
  };
  for (const [name, v] of cfg.main) one(`main/${name}`, v);
  for (const kind of ['routers', 'transports', 'authenticators'] as const) {
    for (const inst of cfg[kind]) for (const [name, v] of inst.options) one(`${kind}/${inst.name}/${name}`, v);
  }
  return out;
}
