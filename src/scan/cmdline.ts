// av_scanner = cmdline:<command>:<trigger re>:<name re>. The command runs
// through /bin/sh with %s replaced by the message's scan directory and its
// standard error joined to its output; the output is kept beside the .eml
// as <id>_scanner_output (as Exim keeps it). A line matching the trigger
// means malware; the name is the first capture of the name expression in
// the first line it matches ("unknown" when none does). A non-zero exit
// defers, the status logged as wait() gives it (exit code times 256), as
// Exim 4.98 does: a scanner that exits 1 on a find needs a wrapper.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import { scannerError, scannerRegex, type ScanJob, type ScanResult } from './scanner.ts';
import { strerror } from '../expand/strerror.ts';

/** A runaway scanner's output is not kept beyond this. */
const MAX_OUTPUT = 16 << 20;

/** The shell's status as C's wait() reports it. */
function waitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code << 8;
  return signal ? os.constants.signals[signal] : 0;
}

function runShell(command: string, deadline: number): Promise<{ output: Buffer; status: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${command} 2>&1`], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, Math.max(0, deadline - Date.now()));
    child.stdout!.on('data', (d: Buffer) => {
      if (size < MAX_OUTPUT) chunks.push(d);
      size += d.length;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
      else resolve({ output: Buffer.concat(chunks), status: waitStatus(code, signal) });
    });
  });
}

export async function cmdlineScan(job: ScanJob): Promise<ScanResult> {
  const [command, trigger, name] = job.options;
  if (command === undefined || command === '') throw scannerError('cmdline', undefined, 'missing commandline specification');
  const triggerRe = scannerRegex('cmdline', trigger, 'missing trigger specification');
  const nameRe = scannerRegex('cmdline', name, 'missing virus name regex specification');
  // the command is a printf format in Exim: %s is the directory, %% a percent sign
  const commandLine = command.replace(/%([s%])/g, (_m, c: string) => (c === 's' ? job.file.dir : '%'));
  let output: Buffer;
  let status: number;
  try {
    ({ output, status } = await runShell(commandLine, job.deadline));
  } catch (e) {
    // (Exim waits for the timed-out scanner to finish; it is killed here)
    throw scannerError('cmdline', undefined, `unable to read from scanner (${commandLine} 2>&1): ${strerror(e)}`);
  }
  const record = `${job.file.dir}/${job.messageId}_scanner_output`;
  try {
    await fs.writeFile(record, output, { mode: 0o640 });
  } catch (e) {
    throw scannerError('cmdline', undefined, `opening scanner output file (${record}) failed: ${strerror(e)}`);
  }
  if (status !== 0) throw scannerError('cmdline', undefined, `scanner returned error code: ${status}`);
  const lines = output.toString('latin1').split(/(?<=\n)/);
  if (!lines.some((l) => triggerRe.test(l))) return {};
  for (const l of lines) {
    const m = nameRe.exec(l);
    if (m?.[1] !== undefined) return { name: m[1] };
  }
  return { name: 'unknown' };
}
