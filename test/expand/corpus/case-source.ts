// Reads the hand-written case sources (cases/*.txt), from which record.ts
// builds corpus.jsonl.  The format keeps expansions free of any quoting:
//
//   # comment                       (lines starting with '#'; blank lines are ignored)
//   [group]  or  [group conf=x.conf] starts a group; case ids are "<group>-NNN"
//   @setup <line>                   a line fed to -be before the next case (e.g. "set acl_m_x = 1")
//   @expr <text>                    a case whose text would otherwise look like a directive
//   @spec-reason <text>             the previous case's expected value comes from the 4.99 spec,
//   @spec-expected <JSON string>    not from Exim 4.98 (both lines are required)
//   @expect-failure <reason>        the previous case must fail, with any message (for cases
//                                   where Exim's message is empty, garbage or errno-dependent)
//   anything else                   one case; a line ending in '\' continues on the next line
//                                   (fed to -be as is: continuation is -be's own feature)

import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, type CaseInput } from './be-batch.ts';

export interface CaseDef extends CaseInput {
  group: string;
  spec?: { reason?: string; expected?: string };
  /** Only that the expansion fails is checked, not its message. */
  expectFailure?: string;
  /** Where the case was written, for error messages. */
  where: string;
}

export const CASES_DIR = path.join(CORPUS_DIR, 'cases');

/** -be joins a line ending in a backslash to the next, even when that backslash is itself escaped. */
function endsWithContinuation(line: string): boolean {
  return line.endsWith('\\');
}

export function parseCaseSource(text: string, file: string): CaseDef[] {
  const cases: CaseDef[] = [];
  const lines = text.split('\n');
  let group = '';
  let conf: string | undefined;
  let setup: string[] = [];
  const counters = new Map<string, number>();
  const add = (expr: string, where: string) => {
    if (!group) throw new Error(`${where}: case before any [group]`);
    const n = (counters.get(group) ?? 0) + 1;
    counters.set(group, n);
    const c: CaseDef = { id: `${group}-${String(n).padStart(3, '0')}`, group, expr, where };
    if (setup.length) c.setup = setup;
    if (conf) c.conf = conf;
    cases.push(c);
    setup = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${file}:${i + 1}`;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const header = /^\[([a-z0-9_.+-]+)(?:\s+conf=(\S+))?\]$/.exec(line);
    if (header) {
      group = header[1]!;
      conf = header[2];
      continue;
    }
    if (line.startsWith('@setup ')) {
      setup.push(line.slice(7));
      continue;
    }
    if (line.startsWith('@spec-reason ') || line.startsWith('@spec-expected ')) {
      const last = cases[cases.length - 1];
      if (!last) throw new Error(`${where}: @spec-* before any case`);
      last.spec ??= {};
      if (line.startsWith('@spec-reason ')) last.spec.reason = line.slice(13);
      else last.spec.expected = JSON.parse(line.slice(15)) as string;
      continue;
    }
    if (line.startsWith('@expect-failure ')) {
      const last = cases[cases.length - 1];
      if (!last) throw new Error(`${where}: @expect-failure before any case`);
      last.expectFailure = line.slice(16);
      continue;
    }
    let expr = line.startsWith('@expr ') ? line.slice(6) : line;
    if (expr.startsWith('@') && !line.startsWith('@expr ')) throw new Error(`${where}: unknown directive`);
    while (endsWithContinuation(expr.split('\n').pop()!) && i + 1 < lines.length) expr += '\n' + lines[++i];
    add(expr, where);
  }
  for (const c of cases) {
    if (c.spec && (c.spec.reason === undefined || c.spec.expected === undefined)) {
      throw new Error(`${c.where}: a spec override needs both @spec-reason and @spec-expected`);
    }
  }
  return cases;
}

/** All cases of cases/*.txt, in file-name order; ids must be unique across files. */
export function loadCaseSources(dir = CASES_DIR): CaseDef[] {
  const all: CaseDef[] = [];
  const seen = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
    for (const c of parseCaseSource(fs.readFileSync(path.join(dir, f), 'utf8'), f)) {
      if (seen.has(c.id)) throw new Error(`${c.where}: duplicate case id ${c.id} (a group may appear in one file only)`);
      seen.add(c.id);
      all.push(c);
    }
  }
  return all;
}
