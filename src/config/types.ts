// The configuration as read: what each section holds.

import type { NamedList } from '../expand/context.ts';
import type { Macro } from './macros.ts';
import type { DriverKind } from './options.ts';
import type { OptionValue, TypedValue, WhereSet } from './option-types.ts';

export interface DriverInstance {
  kind: DriverKind;
  name: string;
  /** The driver type (`driver = smtp`). */
  driver: string;
  /** Options set on this instance, generic and private, by name. */
  options: Map<string, OptionValue>;
  file: string;
  line: number;
}

/** One ACL statement: a verb line with the condition/modifier lines that follow it. */
export interface AclStatement {
  verb: string;
  /** The whole statement after the verb, its lines joined by newlines. */
  text: string;
  /** Each logical line of the statement (the first holds the verb). */
  lines: { text: string; file: string; line: number }[];
  file: string;
  line: number;
}

export interface AclDefinition {
  name: string;
  statements: AclStatement[];
  file: string;
  line: number;
}

export interface RetryRule {
  /** Address or domain pattern (first field). */
  pattern: string;
  /** The error field ("*" for any). */
  error: string;
  /** `senders=` list, when given. */
  senders?: string;
  /** Parameter sets: F,2h,15m / G,16h,1h,1.5 / H,... */
  rules: { algorithm: 'F' | 'G' | 'H'; cutoff: number; params: number[] }[];
  file: string;
  line: number;
}

export interface RewriteRule {
  pattern: string;
  replacement: string;
  flags: string;
  file: string;
  line: number;
}

/** What reading a configuration fills in, section by section (shared by the reader's raw result and Config). */
export interface ConfigSections {
  /** Main options that the configuration sets. getOption() fills in defaults. */
  main: Map<string, OptionValue>;
  namedLists: Map<string, NamedList>;
  acls: Map<string, AclDefinition>;
  routers: DriverInstance[];
  transports: DriverInstance[];
  authenticators: DriverInstance[];
  retry: RetryRule[];
  rewrite: RewriteRule[];
  /** Raw lines of `begin local_scan` (tern has no local_scan()). */
  localScan: { text: string; file: string; line: number }[];
  /** Driver options set with `hide` on any instance hide that option for every instance of the driver. */
  hiddenDriverOptions: Set<string>;
  /** The configuration as `-bP config` prints it (after macro substitution, without comments). */
  listing: string[];
}

export interface Config extends ConfigSections {
  /** The file read (as named), or "(built-in default)" for tern's own default. */
  configFile: string;
  /** Final macro table, in definition order (-D, builtins, then the file's). */
  macros: Macro[];
  /** A main option's value: as set, else its default. Throws for an unknown name. */
  getOption(name: string): TypedValue;
  /** Where a main option was set, if it was. */
  whereSet(name: string): WhereSet | undefined;
}
