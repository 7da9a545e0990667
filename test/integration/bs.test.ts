// swaks talking to `tern -bs` over a pipe (SMTP on stdin/stdout, no socket):
// the replies, the spool and the log lines of a local SMTP submission, as
// Debian's Exim 4.98 gives them for the same configuration (recorded with
// `swaks --pipe 'exim4 -C <config> -bs'`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { ternSetup, type TernSetup } from '../helpers/tern-daemon.ts';
import { mxConfig, spooled, spooledSize, swaks } from './receiving-setup.ts';

let t: TernSetup;
before(() => {
  t = ternSetup({ config: mxConfig() });
});
after(() => t?.remove());

const login = os.userInfo().username;
const pipe = () => ['--pipe', `${t.bin} -C ${t.configPath} -bs`];

test('-bs: EHLO greets the calling user and advertises what the daemon does', async () => {
  const r = await swaks(undefined, [...pipe(), '--quit-after', 'EHLO']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Exim 4.98 -bs, same configuration.
  assert.deepEqual(r.replies.slice(1, -1), [
    `250-mx.example.com Hello ${login} at client.example.net`,
    '250-SIZE 20480',
    '250-LIMITS MAILMAX=1000 RCPTMAX=50000',
    '250-8BITMIME',
    '250-DSN',
    '250-PIPELINING',
    '250-AUTH PLAIN LOGIN CRAM-MD5',
    '250-CHUNKING',
    '250-STARTTLS',
    '250-SMTPUTF8',
    '250 HELP',
  ]);
  assert.match(r.replies[0], /^220 mx\.example\.com ESMTP Exim \S+ \w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
  assert.equal(r.replies.at(-1), '221 mx.example.com closing connection');
});

test('-bs: a pipelined message with one recipient refused: local-esmtp, U=, spooled and listed', async () => {
  const r = await swaks(undefined, [...pipe(), '--pipeline', '--to', 'rcpt@example.com,reject@example.com']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The replies Exim 4.98 gives, in order.
  assert.deepEqual(r.replies.slice(-6, -2), ['250 OK', '250 Accepted', '550 Rejected by policy for reject', '354 Enter message, ending with "." on a line by itself']);
  assert.match(r.replies.at(-2)!, /^250 OK id=\S+$/);
  const m = await spooled(t, r.id);
  assert.equal(m.header.receivedProtocol, 'local-esmtp');
  assert.equal(m.header.owner.login, login);
  assert.equal(m.header.hostAddress, undefined);
  assert.deepEqual(m.header.recipients.map((x) => x.address), ['rcpt@example.com']);
  // Exim: "<= sender@example.org U=root P=local-esmtp L- S=489 id=..." (L- is checked below).
  assert.match(m.arrival, new RegExp(`^\\S+ \\S+ ${r.id} <= sender@example\\.org U=${login} P=local-esmtp(?: L-)? S=${spooledSize(m)} id=\\S+$`));
  assert.match(t.log(), new RegExp(`^\\S+ \\S+ U=${login} F=<sender@example\\.org> rejected RCPT <reject@example\\.com>: Rejected by policy for reject$`, 'm'));
});

test('-bs with log_selector +pipelining: "L-" when the client did not pipeline; an L field either way', async () => {
  // Exim 4.98 logs "L-" under -bs even for a client that pipelined (it
  // cannot see input waiting on a pipe), so both forms are right for that one.
  const piped = await swaks(undefined, [...pipe(), '--pipeline']);
  const plain = await swaks(undefined, pipe());
  assert.match(await t.arrivalLine(piped.id!), / P=local-esmtp L-? S=/);
  assert.match(await t.arrivalLine(plain.id!), / P=local-esmtp L- S=/);
});
