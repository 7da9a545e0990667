import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createLogger, parseLogSelector, EximLogger, type LoggerOptions } from '../../src/log/index.ts';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tern-log-'));
}

function collect(): { stream: NodeJS.WritableStream; text: () => string } {
  const parts: string[] = [];
  const stream = { write: (s: string) => { parts.push(s); return true; } } as unknown as NodeJS.WritableStream;
  return { stream, text: () => parts.join('') };
}

function logger(dir: string, extra: Partial<LoggerOptions> = {}): EximLogger {
  return new EximLogger({
    logFilePath: `${dir}/%slog`, selector: parseLogSelector(''), spoolDirectory: `${dir}/spool`,
    writeRejectlog: true, stderr: null, ...extra,
  });
}

const read = (f: string) => fs.readFileSync(f, 'utf8');
const fixed = new Date(2024, 0, 31, 13, 45, 7, 89);

test('main log line: timestamp, message id, text; directory created; mode 0640', () => {
  const dir = tmp();
  const l = logger(`${dir}/sub`, { now: () => fixed });
  l.main('Completed', { id: '1xV7GE-000000004U0-34iZ' });
  l.main('Start queue run: pid=12');
  assert.equal(read(`${dir}/sub/mainlog`), '2024-01-31 13:45:07 1xV7GE-000000004U0-34iZ Completed\n2024-01-31 13:45:07 Start queue run: pid=12\n');
  assert.equal(fs.statSync(`${dir}/sub/mainlog`).mode & 0o777, 0o640);
});

test('+pid, +millisec, log_timezone and timezone', () => {
  const dir = tmp();
  const l = logger(dir, { selector: parseLogSelector('+pid +millisec'), pid: 4242, logTimezone: true, timezone: 'UTC', now: () => new Date(Date.UTC(2003, 3, 25, 10, 17, 7, 5)) });
  l.main('x', { id: 'ID' });
  assert.equal(read(`${dir}/mainlog`), '2003-04-25 10:17:07.005 +0000 [4242] ID x\n');
  const dir2 = tmp();
  logger(dir2, { logTimezone: true, timezone: 'America/New_York', now: () => new Date(Date.UTC(2026, 10, 22, 13, 6, 40)) }).main('hello');
  assert.equal(read(`${dir2}/mainlog`), '2026-11-22 08:06:40 -0500 hello\n');
  assert.throws(() => logger(tmp(), { timezone: 'Mars/Olympus' }), /unknown timezone/);
});

test('non-ASCII text and raw bytes are written as their bytes', () => {
  const dir = tmp();
  logger(dir, { now: () => fixed }).main('caf\u00e9 \udcff');
  const b = fs.readFileSync(`${dir}/mainlog`);
  assert.deepEqual([...b.subarray(b.length - 5)], [0xc3, 0xa9, 0x20, 0xff, 0x0a]);
});

test('reject: same line in main and reject logs, headers only in the reject log', () => {
  const dir = tmp();
  const l = logger(dir, { now: () => fixed });
  l.reject('H=[1.2.3.4] F=<a@b> rejected after DATA: bad', { id: 'MID', headers: ['Envelope-from: <a@b>', 'F From: a@b\n'] });
  const line = '2024-01-31 13:45:07 MID H=[1.2.3.4] F=<a@b> rejected after DATA: bad\n';
  assert.equal(read(`${dir}/mainlog`), line);
  assert.equal(read(`${dir}/rejectlog`), line + 'Envelope-from: <a@b>\nF From: a@b\n');
  l.reject('only reject', { mainToo: false });
  assert.equal(read(`${dir}/mainlog`), line);
  // -rejected_header: no header lines
  const dir2 = tmp();
  logger(dir2, { selector: parseLogSelector('-rejected_header'), now: () => fixed }).reject('r', { headers: ['F From: x'] });
  assert.equal(read(`${dir2}/rejectlog`), '2024-01-31 13:45:07 r\n');
});

test('write_rejectlog false: nothing in the reject log, the main log still gets the line', () => {
  const dir = tmp();
  logger(dir, { writeRejectlog: false, now: () => fixed }).reject('r');
  assert.equal(read(`${dir}/mainlog`), '2024-01-31 13:45:07 r\n');
  assert.equal(fs.existsSync(`${dir}/rejectlog`), false);
});

test('panic: panic log, main log and stderr', () => {
  const dir = tmp();
  const err = collect();
  const l = logger(dir, { stderr: err.stream, now: () => fixed });
  l.panic('failed to expand x');
  l.panic('only panic', { mainToo: false });
  assert.equal(read(`${dir}/paniclog`), '2024-01-31 13:45:07 failed to expand x\n2024-01-31 13:45:07 only panic\n');
  assert.equal(read(`${dir}/mainlog`), '2024-01-31 13:45:07 failed to expand x\n');
  assert.equal(err.text(), read(`${dir}/paniclog`));
});

test('an unopenable main log: the failure and the entry go to the panic log and stderr', () => {
  const dir = tmp();
  fs.mkdirSync(`${dir}/mainlog`); // a directory where the file should be
  const err = collect();
  const l = logger(dir, { stderr: err.stream, now: () => fixed });
  l.main('the entry');
  const panic = read(`${dir}/paniclog`);
  assert.match(panic, /^2024-01-31 13:45:07 the entry\n2024-01-31 13:45:07 Cannot open main log file ".*\/mainlog": Is a directory: euid=\d+ egid=\d+\n$/);
  assert.match(err.text(), /Cannot open main log file/);
});

test('nothing writable at all: the entry still reaches stderr', () => {
  const dir = tmp();
  fs.writeFileSync(`${dir}/blocker`, '');
  const err = collect();
  logger(`${dir}/blocker`, { stderr: err.stream, now: () => fixed }).panic('lost?', { mainToo: false });
  assert.match(err.text(), /^2024-01-31 13:45:07 lost\?\n.*Cannot open panic log file/s);
});

test('rotation: a renamed log is noticed and a new file started', () => {
  const dir = tmp();
  let t = fixed.getTime();
  const l = logger(dir, { reopenCheckMs: 1000, now: () => new Date(t) });
  l.main('one');
  fs.renameSync(`${dir}/mainlog`, `${dir}/mainlog.01`);
  t += 10;
  l.main('two'); // within the check interval: still the open (renamed) file
  t += 1000;
  l.main('three');
  assert.match(read(`${dir}/mainlog.01`), /one\n.*two\n$/);
  assert.match(read(`${dir}/mainlog`), /^[^\n]* three\n$/);
  fs.unlinkSync(`${dir}/mainlog`);
  t += 1000;
  l.main('four');
  assert.match(read(`${dir}/mainlog`), /^[^\n]* four\n$/);
});

test('datestamped files switch at midnight; the panic log does not', () => {
  const dir = tmp();
  let t = new Date(2024, 0, 31, 23, 59, 59, 900).getTime();
  const l = logger(dir, { logFilePath: `${dir}/%slog-%D`, now: () => new Date(t) });
  l.main('before');
  t += 200;
  l.main('after');
  l.panic('p', { mainToo: false });
  assert.match(read(`${dir}/mainlog-20240131`), /before/);
  assert.match(read(`${dir}/mainlog-20240201`), /after/);
  assert.match(read(`${dir}/paniclog`), / p\n$/);
});

test('message logs: spool/msglog/<id>, no pid or id, off with message_logs false', async () => {
  const dir = tmp();
  const l = logger(dir, { selector: parseLogSelector('+pid'), now: () => fixed });
  l.messageLog('1xV7GE-000000004U0-34iZ', 'Received from a@b S=3');
  await l.flush(); // message-log lines are written off the main thread
  assert.equal(read(`${dir}/spool/msglog/1xV7GE-000000004U0-34iZ`), '2024-01-31 13:45:07 Received from a@b S=3\n');
  logger(dir, { messageLogs: false }).messageLog('other', 'x');
  assert.equal(fs.existsSync(`${dir}/spool/msglog/other`), false);
});

test('several processes appending at once: no torn or lost lines', async () => {
  const dir = tmp();
  const script = path.join(dir, 'writer.ts');
  const index = new URL('../../src/log/index.ts', import.meta.url).pathname;
  fs.writeFileSync(script, `
import { createLogger, parseLogSelector } from ${JSON.stringify(index)};
const l = createLogger({ logFilePath: ${JSON.stringify(dir + '/%slog')}, selector: parseLogSelector('+pid'), spoolDirectory: '/nonexistent', writeRejectlog: true });
const pad = 'x'.repeat(200 + (process.pid % 300));
for (let i = 0; i < 1000; i++) l.main('line ' + i + ' ' + pad + ' end');
`);
  const writers = 4;
  await Promise.all(Array.from({ length: writers }, () => new Promise<void>((resolve, reject) => {
    const c = spawn(process.execPath, [script], { stdio: 'inherit' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exit ${code}`))));
  })));
  const lines = read(`${dir}/mainlog`).split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, writers * 1000);
  const perPid = new Map<string, number>();
  for (const line of lines) {
    const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(\d+)\] line (\d+) x+ end$/.exec(line);
    assert.ok(m, `torn line: ${line.slice(0, 80)}`);
    assert.equal(Number(m[2]), perPid.get(m[1]!) ?? 0, 'lines of one process in order');
    perPid.set(m[1]!, Number(m[2]) + 1);
  }
  assert.equal(perPid.size, writers);
});

test('createLogger rejects a bad log_file_path', () => {
  assert.throws(() => createLogger({ logFilePath: '/tmp/x', selector: parseLogSelector(''), spoolDirectory: '/s', writeRejectlog: true }), /does not contain "%s"/);
});

const python = spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status === 0;
const haveLogger = fs.existsSync('/usr/bin/logger');

test('syslog: entries reach a Unix datagram socket with facility, priority, ident and pid', { skip: !(python && haveLogger) && 'needs python3 and logger' }, async () => {
  const dir = tmp();
  const sock = path.join(dir, 'log.sock');
  // A syslog stand-in: a Unix datagram socket that prints each datagram as a JSON string per line.
  const server = spawn('python3', ['-u', '-c', `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("ready", flush=True)
while True:
    d = s.recv(65536)
    print(json.dumps(d.decode("utf-8", "replace")), flush=True)
`, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: string[] = [];
  let buffer = '';
  let wake: (() => void) | undefined;
  server.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      received.push(line === 'ready' ? line : JSON.parse(line) as string);
      wake?.();
    }
  });
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (received.length < n && Date.now() < deadline) await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
  };
  try {
    await waitFor(1);
    const l = logger(dir, {
      logFilePath: 'syslog', syslogSocket: sock, syslogFacility: 'local3', syslogProcessName: 'tern-test',
      syslogTimestamp: false, pid: 777, now: () => fixed,
    });
    l.main('hello syslog', { id: 'MID' });
    l.reject('rejected thing', { headers: ['F From: x'] });
    l.main('y'.repeat(2000));
    await l.close();
    await waitFor(1 + 1 + 1 + 2 + 3);
    const msgs = received.slice(1);
    // <facility*8+severity>: local3=19 -> info 158, notice 157
    assert.match(msgs[0]!, /^<158>.*tern-test\[777\]: MID hello syslog$/);
    assert.match(msgs[1]!, /^<158>.*: rejected thing$/);
    assert.match(msgs[2]!, /^<157>.*: \[1\\2\] rejected thing$/);
    assert.match(msgs[3]!, /^<157>.*: \[2\/2\] F From: x$/);
    assert.match(msgs[4]!, /^<158>.*: \[1\/3\] y{870}$/);
    assert.match(msgs[6]!, /^<158>.*: \[3\/3\] y{260}$/);
    assert.equal(fs.existsSync(`${dir}/mainlog`), false);
  } finally {
    server.kill();
  }
});

test('syslog without a socket is refused at creation, not dropped silently', () => {
  assert.throws(() => logger(tmp(), { logFilePath: 'syslog', syslogSocket: '/nonexistent/log' }), /no syslog socket at \/nonexistent\/log/);
  assert.throws(() => logger(tmp(), { logFilePath: 'syslog', syslogFacility: 'bogus' }), /failed to interpret syslog_facility "bogus"/);
});
