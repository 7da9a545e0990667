import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogFilePath, logFileName, LogPathError } from '../../src/log/index.ts';

const date = { y: 2002, mo: 12, d: 5 };

test('log_file_path items: file, syslog, both, default', () => {
  assert.deepEqual(parseLogFilePath('/var/log/exim_%s', '/spool'), { file: '/var/log/exim_%s', syslog: false, warnings: [] });
  assert.deepEqual(parseLogFilePath('syslog', '/spool'), { syslog: true, warnings: [] });
  assert.deepEqual(parseLogFilePath(':syslog', '/spool'), { file: '/spool/log/%slog', syslog: true, warnings: [] });
  assert.deepEqual(parseLogFilePath('syslog : /usr/log/exim_%s', '/spool'), { file: '/usr/log/exim_%s', syslog: true, warnings: [] });
  assert.deepEqual(parseLogFilePath('', '/spool'), { file: '/spool/log/%slog', syslog: false, warnings: [] });
});

test('more than one file path: the first is used, with Exim\'s complaint', () => {
  const d = parseLogFilePath('/a/%s:/b/%s', '/spool');
  assert.equal(d.file, '/a/%s');
  assert.deepEqual(d.warnings, ['More than one path given in log_file_path: using /a/%s']);
});

test('a path without %s or not absolute is refused', () => {
  assert.throws(() => parseLogFilePath('/tmp/nopct', '/s'), (e: unknown) => e instanceof LogPathError && e.message === 'log_file_path "/tmp/nopct" does not contain "%s"');
  assert.throws(() => parseLogFilePath('log/%slog', '/s'), LogPathError);
});

test('%s, %D and %M in file names (the spec\'s examples)', () => {
  assert.equal(logFileName('/var/spool/exim/log/%slog-%D', 'main', date), '/var/spool/exim/log/mainlog-20021205');
  assert.equal(logFileName('/var/log/exim-%s-%D.log', 'reject', date), '/var/log/exim-reject-20021205.log');
  assert.equal(logFileName('/var/spool/exim/log/%D-%slog', 'main', date), '/var/spool/exim/log/20021205-mainlog');
  assert.equal(logFileName('/var/log/exim/%s.%M', 'main', date), '/var/log/exim/main.200212');
});

test('the panic log is never datestamped: %D/%M go with one separator', () => {
  assert.equal(logFileName('/var/spool/exim/log/%slog-%D', 'panic', date), '/var/spool/exim/log/paniclog');
  assert.equal(logFileName('/var/log/exim-%s-%D.log', 'panic', date), '/var/log/exim-panic.log');
  assert.equal(logFileName('/var/spool/exim/log/%D-%slog', 'panic', date), '/var/spool/exim/log/paniclog');
  assert.equal(logFileName('/var/log/exim/%s.%M', 'panic', date), '/var/log/exim/panic');
});
