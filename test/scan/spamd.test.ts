// The spamd protocol pieces on their own: answers as spamd 4.0 and Rspamd
// send them, the $spam_* variables as Exim 4.98 formats them (bar and
// report recorded from exim4 with spamd), and spamd_address parsing and
// server order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRspamdReply, parseSpamAssassinReply, spamdRequestHead, spamVariables } from '../../src/scan/spamd.ts';
import { parseSpamdAddress, spamdOrder, SpamdConfigError } from '../../src/scan/spamd-servers.ts';

// recorded from spamd 4.0.1 for a REPORT SPAMC/1.2 request (no Content-length in the answer before 1.3)
const SA_ANSWER = 'SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1002.3 / 5.0\r\n\r\nSpam detection software, running on the system "vm",\n'
  + 'has identified this incoming email as possible spam.\n\nContent analysis details:   (1002.3 points, 5.0 required)\n\n'
  + ' pts rule name              description\n---- ---------------------- --------------------------------------------------\n'
  + '1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email\n\n';

test('SpamAssassin: the Spam: line gives score and threshold, the rest is the report', () => {
  const v = parseSpamAssassinReply(SA_ANSWER);
  assert.ok(v);
  assert.equal(v.score, 1002.3);
  assert.equal(v.threshold, 5);
  assert.equal(v.action, 'reject');
  assert.match(v.report, /^Spam detection software/);
  assert.equal(parseSpamAssassinReply('SPAMD/1.1 0 EX_OK\r\nSpam: False ; -1.2 / 5.0\r\n\r\n')?.action, 'no action');
  // the older answer form: Content-length, then "score/threshold" before the report
  const old = parseSpamAssassinReply('SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\n\r\n3.5/5.0\r\nreport text\n');
  assert.deepEqual(old, { score: 3.5, threshold: 5, action: 'no action', report: 'report text\n' });
  assert.equal(parseSpamAssassinReply('SPAMD/1.1 76 Bad header line: x\r\n'), undefined);
  assert.equal(parseSpamAssassinReply(''), undefined);
});

test('Rspamd legacy answer: Metric and Action lines', () => {
  const v = parseRspamdReply('RSPAMD/1.3 0 EX_OK\r\nMetric: default; True; 16.50 / 15.00 / 0.0\r\nAction: reject\r\nSymbol: GTUBE(0.00)\r\n');
  assert.ok(v);
  assert.equal(v.score, 16.5);
  assert.equal(v.threshold, 15);
  assert.equal(v.action, 'reject');
  assert.equal(v.report, 'Action: reject\r\nSymbol: GTUBE(0.00)\r\n');
  assert.equal(parseRspamdReply('RSPAMD/1.3 0 EX_OK\r\nMetric: default; False; 1 / 15\r\n'), undefined);
});

test('the requests', () => {
  assert.equal(spamdRequestHead({ user: 'nobody', contentLength: 42 }, false), 'REPORT SPAMC/1.2\r\nUser: nobody\r\nContent-length: 42\r\n\r\n');
  const r = spamdRequestHead({
    user: 'x', contentLength: 9, messageId: 'ID', sender: 'a@b', recipients: ['c@d', 'e@f'], helo: 'h.example', hostAddress: '192.0.2.1',
  }, true);
  assert.equal(r, 'CHECK RSPAMC/1.3\r\nContent-length: 9\r\nQueue-Id: ID\r\nFrom: <a@b>\r\nRecipient-Number: 2\r\n'
    + 'Rcpt: <c@d>\r\nRcpt: <e@f>\r\nHelo: h.example\r\nIP: 192.0.2.1\r\n\r\n');
});

test('$spam_score, $spam_score_int, $spam_bar as Exim makes them', () => {
  const vars = (score: number, threshold = 5): ReturnType<typeof spamVariables> => spamVariables({ score, threshold, action: 'x', report: '' });
  assert.deepEqual([vars(1000.9).spam_score, vars(1000.9).spam_score_int, vars(1000.9).spam_bar.length], ['1000.9', '10009', 51]);
  assert.deepEqual([vars(0.9).spam_score, vars(0.9).spam_score_int, vars(0.9).spam_bar], ['0.9', '9', '/']);
  assert.deepEqual([vars(4.4).spam_bar, vars(4.4).spam_score_int], ['++++', '44']);
  // truncation toward zero after adding 0.001
  assert.deepEqual([vars(-1.5).spam_score, vars(-1.5).spam_score_int, vars(-1.5).spam_bar], ['-1.5', '-14', '-']);
  assert.equal(vars(-0.4).spam_bar, '/');
  assert.equal(vars(50).spam_bar.length, 50);
});

test('$spam_report: CRs gone, a space after each newline, no trailing white space', () => {
  const v = spamVariables({ score: 1, threshold: 5, action: 'no action', report: 'line one\r\nline two\n\n pts rule\n\n' });
  assert.equal(v.spam_report, 'line one\n line two\n \n  pts rule');
});

test('spamd_address: servers and their options', () => {
  const [a, b, c] = parseSpamdAddress('127.0.0.1 783 pri=2 weight=3 tmo=10s retry=1m : /run/spamd.sock variant=rspamd');
  assert.deepEqual(a, { spec: '127.0.0.1 783 pri=2 weight=3 tmo=10s retry=1m', address: { host: '127.0.0.1', ports: [783, 783] }, pri: 2, weight: 3, retry: 60, timeout: 10, rspamd: false });
  assert.deepEqual(b.address, { path: '/run/spamd.sock' });
  assert.equal(b.rspamd, true);
  assert.equal(c, undefined);
  // an IPv6 address needs another list separator
  const [v6] = parseSpamdAddress('<; ::1 11333-11335 time=8-17.30');
  assert.deepEqual(v6.address, { host: '::1', ports: [11333, 11335] });
  assert.deepEqual(v6.time, { from: 8 * 3600, to: 17 * 3600 + 30 * 60 });
  assert.throws(() => parseSpamdAddress('127.0.0.1 783 frob=1'), SpamdConfigError);
  assert.throws(() => parseSpamdAddress('127.0.0.1'), SpamdConfigError);
  assert.throws(() => parseSpamdAddress(''), SpamdConfigError);
});

test('servers are tried by priority, weighted at random within one, outside their time= never', () => {
  const servers = parseSpamdAddress('h1 1 pri=1 : h2 1 pri=5 weight=1 : h3 1 pri=5 weight=3 : h4 1 pri=9 time=1-2');
  const noon = new Date(2026, 0, 1, 12, 0, 0);
  const names = (random: number): string[] => spamdOrder(servers, noon, () => random).map((s) => s.spec.split(' ')[0]);
  // random 0: the first of the pool (h2, weight 1 of 4); random 0.5: 2.0 of 4 falls in h3's share
  assert.deepEqual(names(0), ['h2', 'h3', 'h1']);
  assert.deepEqual(names(0.5), ['h3', 'h2', 'h1']);
  const night = new Date(2026, 0, 1, 1, 30, 0);
  assert.equal(spamdOrder(servers, night, () => 0)[0].spec.split(' ')[0], 'h4');
});
