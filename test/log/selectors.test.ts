import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogSelector, defaultLogSelector, LOG_SELECTOR_NAMES, DEFAULT_LOG_SELECTORS, LogSelectorError } from '../../src/log/index.ts';

test('defaults are the spec table\'s starred selectors (plus outgoing_interface)', () => {
  const d = defaultLogSelector();
  for (const n of ['acl_warn_skipped', 'connection_reject', 'lost_incoming_connection', 'msg_id', 'rejected_header',
    'retry_defer', 'tls_cipher', 'tls_certificate_verified', 'smtp_confirmation', 'outgoing_interface']) assert.ok(d.has(n), n);
  for (const n of ['pid', 'millisec', 'smtp_connection', 'incoming_port', 'subject', 'received_recipients', 'pipelining']) {
    assert.equal(d.has(n), false, n);
  }
  assert.equal(DEFAULT_LOG_SELECTORS.length, 19);
});

test('+name and -name change the defaults, in order', () => {
  const s = parseLogSelector(' +pid -retry_defer\t+smtp_connection -pid +pid');
  assert.ok(s.has('pid'));
  assert.ok(s.has('smtp_connection'));
  assert.equal(s.has('retry_defer'), false);
  assert.ok(s.has('msg_id'));
  // names end at any character that is not a letter, digit or underscore
  const t = parseLogSelector('+subject-msg_id');
  assert.ok(t.has('subject'));
  assert.equal(t.has('msg_id'), false);
});

test('+all sets everything; -all clears the defaults too', () => {
  const all = parseLogSelector('+all');
  for (const n of LOG_SELECTOR_NAMES) assert.ok(all.has(n), n);
  const none = parseLogSelector('-all +pid');
  assert.ok(none.has('pid'));
  assert.equal(none.has('msg_id'), false);
  assert.equal(parseLogSelector('+all -pid').has('pid'), false);
});

test('the old name rejected_headers is accepted', () => {
  assert.equal(parseLogSelector('-rejected_headers').has('rejected_header'), false);
});

test('errors are worded as Exim 4.98 words them', () => {
  const cases: [string, string][] = [
    ['+foo', 'unknown log_selector setting: +foo'],
    ['+PID', 'unknown log_selector setting: +PID'],
    ['-pi', 'unknown log_selector setting: -pi'],
    ['+pid +', 'unknown log_selector setting: +'],
    ['pid', 'malformed log_selector setting: + or - expected but found "pid"'],
    ['+pid,+all', 'malformed log_selector setting: + or - expected but found ",+all"'],
  ];
  for (const [text, msg] of cases) {
    assert.throws(() => parseLogSelector(text), (e: unknown) => e instanceof LogSelectorError && e.message === msg, text);
  }
});

test('asking for a selector that does not exist is a programming error', () => {
  assert.throws(() => defaultLogSelector().has('smtp_conection'), /unknown log selector/);
});
