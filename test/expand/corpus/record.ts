// Records the golden expansion corpus from Debian's Exim 4.98:
//   node test/expand/corpus/record.ts [--exim /usr/sbin/exim4] [--fast]
// Reads cases/*.txt, runs them through `exim -C <conf> -be` twice (a case
// whose answer differs between runs depends on time or chance and is an
// error), and writes corpus.jsonl.  Unless --fast, each case is also run in a
// process of its own (with its own setup lines): where Exim's answer in the
// batch was changed by state an earlier line leaked (e.g. $value after a
// failed item), the isolated answer is recorded, since each -be line is meant
// to stand alone.
// Cases carrying @spec-* lines keep the spec's expected value (and Exim's
// answer alongside, for reference).

import fs from 'node:fs';
import { CORPUS_FILE, runBatch, startSockets, type BatchResult, type CorpusCase } from './be-batch.ts';
import { loadCaseSources } from './case-source.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function reportRuns(r: BatchResult): void {
  for (const run of r.runs) {
    if (run.code !== 0 || run.timedOut) {
      console.error(`exim -C ${run.conf}: exit ${run.code} signal ${run.signal}${run.timedOut ? ' (timed out)' : ''}`);
    }
  }
}

async function main(): Promise<number> {
  const exim = option('--exim') ?? '/usr/sbin/exim4';
  const cases = loadCaseSources();
  const sockets = await startSockets();
  let problems = 0;
  try {
    const opts = { command: [exim], placeholders: sockets.placeholders, timeoutMs: 120_000 };
    const first = await runBatch(cases, opts);
    const second = await runBatch(cases, opts);
    reportRuns(first);
    let isolated: BatchResult | undefined;
    if (!process.argv.includes('--fast')) {
      const outputs = new Map<string, BatchResult['outputs'] extends Map<string, infer V> ? V : never>();
      for (const c of cases) {
        const r = await runBatch([c], opts);
        outputs.set(c.id, r.outputs.get(c.id));
      }
      isolated = { outputs, runs: [] };
    }
    const out: string[] = [];
    let missing = 0;
    for (const c of cases) {
      const a = first.outputs.get(c.id);
      const b = second.outputs.get(c.id);
      if (a === undefined) {
        if (!missing++) console.error(`${c.id} (${c.where}): no answer from Exim (it stopped here?); stderr ends: ${first.runs.map((r) => r.stderr).join('').slice(-300)}`);
        problems++;
        continue;
      }
      const stable = b !== undefined && a.text === b.text;
      if (!stable && !c.spec) {
        console.error(`${c.id} (${c.where}): answer differs between runs: ${JSON.stringify(a.text)} vs ${JSON.stringify(b?.text)}`);
        problems++;
      }
      const alone = isolated?.outputs.get(c.id);
      let answer = a;
      if (isolated && alone?.text !== a.text && !c.expectFailure && !c.spec) {
        console.error(`${c.id} (${c.where}): recording the answer given alone ${JSON.stringify(alone?.text)}, not the batch's ${JSON.stringify(a.text)}`);
        if (alone) answer = alone;
      }
      const rec: CorpusCase = { id: c.id, group: c.group, expr: c.expr, expected: answer.text, failed: answer.text.startsWith('Failed: ') };
      if (c.setup) rec.setup = c.setup;
      if (c.conf) rec.conf = c.conf;
      if (answer.encoding !== 'utf8') rec.encoding = answer.encoding;
      if (c.expectFailure) {
        rec.match = 'failed';
        rec.reason = c.expectFailure;
        if (!rec.failed) {
          rec.source = 'spec';
          rec.exim = a.text;
          rec.expected = 'Failed: ';
          rec.failed = true;
        }
      }
      if (c.spec) {
        rec.exim = stable ? a.text : '(differs between runs)';
        rec.expected = c.spec.expected!;
        rec.failed = rec.expected.startsWith('Failed: ');
        rec.source = 'spec';
        rec.reason = c.spec.reason!;
        delete rec.encoding;
        if (rec.exim === rec.expected) console.error(`${c.id} (${c.where}): spec override equals Exim's answer; drop it`);
      }
      out.push(JSON.stringify(rec));
    }
    if (missing) console.error(`${missing} cases got no answer`);
    fs.writeFileSync(CORPUS_FILE, out.join('\n') + '\n');
    const failed = out.filter((l) => (JSON.parse(l) as CorpusCase).failed).length;
    console.log(`recorded ${out.length} cases (${failed} expected failures) to ${CORPUS_FILE}; ${problems} problems`);
  } finally {
    await sockets.close();
  }
  return problems ? 1 : 0;
}

process.exitCode = await main();
