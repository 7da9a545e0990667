// An expansion context backed by a configuration: main options readable by
// name (what ctx.options gives the expander, e.g. $primary_hostname or
// keep_environment), the configuration's named lists, and $config_file.
//
//   configOptionView(cfg, settings)            the options map alone
//   configExpandContext(cfg, base, settings)   a new ExpandContext with both
//
// Options are read lazily, when the expander asks, so building a context
// costs nothing per option; values put into the map with set() (per-process
// overrides such as -be's caller_uid) win over the configuration.

import { newContext, type ExpandContext } from '../expand/context.ts';
import { optionString } from './index.ts';
import type { Config } from './types.ts';

export interface OptionViewSettings {
  /**
   * Which unset options answer with their default. Absent: every main
   * option. A list: only those; any other unset option reads as undefined.
   */
  defaultsFor?: readonly string[];
}

/** Main options of a configuration as a read-only-by-default Map, read when asked. */
export class ConfigOptionView extends Map<string, string> {
  private readonly cfg: Config;
  private readonly defaultsFor: ReadonlySet<string> | undefined;

  constructor(cfg: Config, settings: OptionViewSettings = {}) {
    super();
    this.cfg = cfg;
    this.defaultsFor = settings.defaultsFor === undefined ? undefined : new Set(settings.defaultsFor);
    this.set('config_file', cfg.configFile);
  }

  /**
   * A value set on the map; else the option as configured; else its default
   * when it has one that is not empty (and defaultsFor allows it); else
   * undefined, as for a name that is not a main option.
   */
  override get(name: string): string | undefined {
    const own = super.get(name);
    if (own !== undefined) return own;
    const isSet = this.cfg.main.has(name);
    if (!isSet && this.defaultsFor !== undefined && !this.defaultsFor.has(name)) return undefined;
    let value: string;
    try {
      value = optionString(this.cfg, name);
    } catch {
      return undefined; // not a main option
    }
    return value === '' && !isSet ? undefined : value;
  }
}

/** The options map of a configuration, with $config_file. */
export function configOptionView(cfg: Config, settings: OptionViewSettings = {}): Map<string, string> {
  return new ConfigOptionView(cfg, settings);
}

/** A fresh expansion context (from `base`, e.g. { testMode: true }) that sees the configuration's options and named lists. */
export function configExpandContext(cfg: Config, base: Partial<ExpandContext> = {}, settings: OptionViewSettings = {}): ExpandContext {
  return newContext({ ...base, namedLists: cfg.namedLists, options: configOptionView(cfg, settings) });
}
