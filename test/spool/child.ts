// Start a test child process (a .ts file under children/) and read its output lines.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolve when a line satisfying `pred` has been printed. */
  waitFor(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function startChild(name: string, args: string[]): Child {
  const proc = spawn(process.execPath, [path.join(import.meta.dirname, 'children', name), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters]) if (w.pred(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    waitFor(pred, timeoutMs = 10_000) {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${name}: timed out; output so far: ${lines.slice(-5).join(' | ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
      });
    },
  };
}
