// Runs the recorded corpus through tern's `-be` (bin/tern -C <conf> -be, all
// cases of one configuration in one process, framed as when recording) and
// judges each answer against the recorded one.

import path from 'node:path';
import { readCorpus, REPO_ROOT, runBatch, startSockets, type Answer, type BatchResult, type CorpusCase } from './be-batch.ts';

export interface Verdict {
  c: CorpusCase;
  pass: boolean;
  /** tern's answer; undefined when tern stopped before answering this case. */
  got?: Answer;
}

export interface CorpusRun {
  verdicts: Verdict[];
  runs: BatchResult['runs'];
}

export const TERN = path.join(REPO_ROOT, 'bin/tern');

export function judge(c: CorpusCase, got: Answer | undefined): boolean {
  if (!got) return false;
  if (c.match === 'failed') return got.text.startsWith('Failed: ');
  return got.text === c.expected && got.encoding === (c.encoding ?? 'utf8');
}

export async function runCorpus(cases: CorpusCase[] = readCorpus(), timeoutMs = 20_000): Promise<CorpusRun> {
  const sockets = await startSockets();
  try {
    const r = await runBatch(cases, { command: [TERN], placeholders: sockets.placeholders, timeoutMs });
    const verdicts = cases.map((c) => {
      const got = r.outputs.get(c.id);
      return { c, pass: judge(c, got), got };
    });
    return { verdicts, runs: r.runs };
  } finally {
    await sockets.close();
  }
}

/** One line per failing case: id, the expression, what was expected and what tern printed. */
export function describeFailure(v: Verdict): string {
  const want = v.c.match === 'failed' ? 'any "Failed: ..." message' : JSON.stringify(v.c.expected);
  const got = v.got === undefined ? '(no answer: tern stopped before this case)' : JSON.stringify(v.got.text);
  const setup = v.c.setup ? ` after ${JSON.stringify(v.c.setup)}` : '';
  return `${v.c.id}: ${JSON.stringify(v.c.expr)}${setup}\n    expected ${want}\n    got      ${got}`;
}

/** How each -be process ended, when it did not end well (a crash explains many failures at once). */
export function describeRuns(runs: BatchResult['runs']): string[] {
  return runs
    .filter((r) => r.code !== 0 || r.timedOut)
    .map((r) => `tern -C ${r.conf} -be: exit ${r.code} signal ${r.signal}${r.timedOut ? ' (timed out)' : ''}; stderr: ${r.stderr.trim().slice(-1500)}`);
}

export function byGroup(verdicts: Verdict[]): Map<string, Verdict[]> {
  const groups = new Map<string, Verdict[]>();
  for (const v of verdicts) {
    if (!groups.has(v.c.group)) groups.set(v.c.group, []);
    groups.get(v.c.group)!.push(v);
  }
  return groups;
}
