// Configuration macros: definition (=, ==, -D overrides) and substitution.
// Substitution follows the spec: each macro in definition order replaces
// every occurrence of its name in a physical line; a replacement is scanned
// only by macros defined after it.

import { ConfigError } from './errors.ts';

export interface Macro {
  name: string;
  value: string;
  /** Where it came from: the command line (-D), tern itself (_HAVE_* ...), or the file. */
  origin: 'cmdline' | 'builtin' | 'file';
}

export class MacroTable {
  /** In definition order; -D macros first, then builtins, then the file's. */
  readonly list: Macro[] = [];
  private readonly byName = new Map<string, Macro>();
  /** The file's own macros (and -D ones): the only ones scanned for in lines without "_". */
  private plain: Macro[] = [];

  constructor(cmdline: Map<string, string>, builtins: Iterable<[string, string]>) {
    for (const [name, value] of cmdline) this.add({ name, value, origin: 'cmdline' });
    for (const [name, value] of builtins) if (!this.byName.has(name)) this.add({ name, value, origin: 'builtin' });
  }

  private add(m: Macro): void {
    this.list.push(m);
    this.byName.set(m.name, m);
    if (m.origin !== 'builtin') this.plain.push(m);
  }

  get(name: string): Macro | undefined {
    return this.byName.get(name);
  }

  /** A definition from the file; `redefine` is the "==" form. Errors have no line, as in Exim. */
  define(name: string, value: string, redefine: boolean): void {
    const old = this.byName.get(name);
    if (old) {
      if (old.origin === 'cmdline') return; // -D wins over every definition in the file
      if (!redefine) throw new ConfigError(`macro "${name}" is already defined (use "==" if you want to redefine it)`);
      old.value = value;
      return;
    }
    for (const m of this.list) {
      if (name.includes(m.name)) {
        throw new ConfigError(`"${name}" cannot be defined as a macro because previously defined macro "${m.name}" is a substring`);
      }
    }
    this.add({ name, value, origin: 'file' });
  }

  /** Replace macro names in one physical line; `found` tells .ifdef whether anything was replaced. */
  substitute(line: string): { text: string; found: boolean } {
    let text = line;
    let found = false;
    // Builtin names all start with "_" and an upper-case letter; most lines have none.
    const macros = /_[A-Z]/.test(line) ? this.list : this.plain;
    for (const m of macros) {
      if (text.includes(m.name)) {
        text = text.split(m.name).join(m.value);
        found = true;
      }
    }
    return { text, found };
  }
}
