import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.ts';
import { loggerFromConfig, loggerOptionsFromConfig } from '../../src/log/index.ts';

function config(text: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-logcfg-'));
  const file = path.join(dir, 'configure');
  fs.writeFileSync(file, `spool_directory = ${dir}/spool\nprimary_hostname = mx.example\n${text}\n`);
  return { dir, file };
}

test('options from the configuration, log_file_path expanded', () => {
  const { dir, file } = config('log_file_path = ${spool_directory}/logs/$primary_hostname/%slog\nlog_selector = +pid -msg_id\nwrite_rejectlog = false\nlog_timezone = true\nmessage_logs = false\nsyslog_processname = tern');
  const o = loggerOptionsFromConfig(loadConfig(file));
  assert.equal(o.logFilePath, `${dir}/spool/logs/mx.example/%slog`);
  assert.ok(o.selector.has('pid'));
  assert.equal(o.selector.has('msg_id'), false);
  assert.equal(o.writeRejectlog, false);
  assert.equal(o.logTimezone, true);
  assert.equal(o.messageLogs, false);
  assert.equal(o.syslogProcessName, 'tern');
  assert.equal(o.syslogDuplication, true);
  const l = loggerFromConfig(loadConfig(file), { stderr: null, pid: 99, now: () => new Date(Date.UTC(2024, 0, 1)) });
  l.main('hi');
  assert.match(fs.readFileSync(`${dir}/spool/logs/mx.example/mainlog`, 'utf8'), /^2024-01-01 \d\d:00:00 [+-]\d{4} \[99\] hi\n$/);
});

test('an empty log_file_path means <spool>/log/%slog', () => {
  const { dir, file } = config('log_file_path =');
  const l = loggerFromConfig(loadConfig(file), { stderr: null });
  l.main('x');
  assert.ok(fs.existsSync(`${dir}/spool/log/mainlog`));
});

test('configuration errors are ConfigErrors with Exim\'s wording', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => loggerFromConfig(loadConfig(config(text).file)), (e: unknown) => e instanceof ConfigError && re.test(e.message), text);
  bad('log_selector = +nonesuch', /unknown log_selector setting: \+nonesuch/);
  bad('log_selector = pid', /malformed log_selector setting: \+ or - expected but found "pid"/);
  bad('log_file_path = /tmp/nopercent', /log_file_path "\/tmp\/nopercent" does not contain "%s"/);
  bad('log_file_path = syslog\nsyslog_facility = nonsense', /failed to interpret syslog_facility "nonsense"|no syslog socket/);
  bad('timezone = Nowhere/Never', /unknown timezone/);
});
