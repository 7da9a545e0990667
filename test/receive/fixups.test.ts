// Fix-ups for callers the root-recorded Exim fixtures cannot show: untrusted
// local users (Sender: added, Sender: removed) and submission mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFixups, localPartMatches, type FixupSettings } from '../../src/receive/fixups.ts';
import { flagHeaders } from '../../src/mail/headers.ts';
import type { Origin } from '../../src/receive/types.ts';

const settings: FixupSettings = {
  messageId: '1xV7La-000000008DD-49mn', sender: 'joe@q.example', qualifyDomain: 'q.example', messageIdDomain: '',
  messageIdText: '', primaryHostname: 'host.example', returnPathRemove: true, envelopeToRemove: true,
  deliveryDateRemove: true, localFromCheck: true, localSenderRetain: false, localFromPrefixes: [], localFromSuffixes: [],
  headersCharset: 'UTF-8', date: 'Sun, 22 Nov 2026 13:11:10 +0000', receivedAdded: false,
};
const untrusted: Origin = { local: true, protocol: 'local', caller: { login: 'joe', uid: 1000, gid: 1000, trusted: false, fullName: 'Joe User' } };
const live = (r: { headers: { text: string; flag: string }[] }) => r.headers.filter((h) => h.flag !== '*').map((h) => h.text);

test('untrusted caller: From: not the caller → Sender: added, return path becomes it; supplied Sender: removed', () => {
  const r = applyFixups(flagHeaders(['From: boss@else.example\n', 'Sender: fake@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']), untrusted, settings);
  assert.deepEqual(live(r), ['From: boss@else.example\n', 'Date: d\n', 'Message-ID: <m@x>\n', 'Sender: Joe User <joe@q.example>\n']);
  assert.equal(r.sender, 'joe@q.example');
});

test('untrusted caller writing as themself: no Sender:; local_from_prefix allows an affix', () => {
  let r = applyFixups(flagHeaders(['From: Joe <joe@q.example>\n', 'Date: d\n', 'Message-ID: <m@x>\n']), untrusted, settings);
  assert.equal(live(r).some((h) => h.startsWith('Sender:')), false);
  r = applyFixups(flagHeaders(['From: list-joe@q.example\n', 'Date: d\n', 'Message-ID: <m@x>\n']), untrusted, { ...settings, localFromPrefixes: ['*-'] });
  assert.equal(live(r).some((h) => h.startsWith('Sender:')), false);
  assert.equal(localPartMatches('joe+tag', 'joe', [], ['+*']), true);
  assert.equal(localPartMatches('joey', 'joe', [], ['+*']), false);
});

test('local_from_check false keeps From: unchecked; local_sender_retain keeps Sender:', () => {
  const r = applyFixups(flagHeaders(['From: boss@else.example\n', 'Sender: s@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']), untrusted,
    { ...settings, localFromCheck: false, localSenderRetain: true });
  assert.deepEqual(live(r), ['From: boss@else.example\n', 'Sender: s@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']);
});

test('suppress_local_fixups: nothing added, but Return-path etc. still removed', () => {
  const r = applyFixups(flagHeaders(['Return-Path: <x@y>\n', 'Subject: s\n']), { ...untrusted, suppressLocalFixups: true }, settings);
  assert.deepEqual(live(r), ['Subject: s\n']);
});

test('message_id_header_text/domain: illegal characters become hyphens', () => {
  const r = applyFixups(flagHeaders(['Date: d\n', 'From: joe@q.example\n']), untrusted,
    { ...settings, messageIdText: '2026-11-22 13:13:00x/y', messageIdDomain: 'do_main!x' });
  assert.ok(live(r).includes('Message-Id: <E1xV7La-000000008DD-49mn.2026-11-22-13-13-00x/y@do-main-x>\n'));
});

test('submission mode: From: made from the authenticated id and domain, Sender: when From: differs', () => {
  const sub: Origin = { local: false, protocol: 'esmtpa', host: { address: '192.0.2.1', port: 1234 },
    caller: { login: 'exim', uid: 0, gid: 0, trusted: true }, auth: { id: 'bigegg' },
    submission: { domain: 'wonderland.example', name: 'Humpty Dumpty' } };
  let r = applyFixups(flagHeaders(['Subject: s\n']), sub, { ...settings, sender: '' });
  assert.deepEqual(live(r).slice(1), ['Message-Id: <E1xV7La-000000008DD-49mn@host.example>\n',
    'From: Humpty Dumpty <bigegg@wonderland.example>\n', 'Date: Sun, 22 Nov 2026 13:11:10 +0000\n']);
  r = applyFixups(flagHeaders(['From: other@x.example\n', 'Sender: s@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']), sub, settings);
  assert.deepEqual(live(r), ['From: other@x.example\n', 'Date: d\n', 'Message-ID: <m@x>\n', 'Sender: Humpty Dumpty <bigegg@wonderland.example>\n']);
  assert.equal(r.sender, 'bigegg@wonderland.example');
  // sender_retain: Sender: kept, nothing checked, return path unchanged.
  r = applyFixups(flagHeaders(['From: other@x.example\n', 'Sender: s@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']),
    { ...sub, submission: { senderRetain: true } }, settings);
  assert.deepEqual(live(r), ['From: other@x.example\n', 'Sender: s@x\n', 'Date: d\n', 'Message-ID: <m@x>\n']);
  assert.equal(r.sender, 'joe@q.example');
});

test('messages from the network without submission mode get no fix-ups', () => {
  const smtp: Origin = { local: false, protocol: 'esmtp', host: { address: '192.0.2.1', port: 1 }, caller: { login: 'exim', uid: 0, gid: 0, trusted: true } };
  const r = applyFixups(flagHeaders(['Subject: s\n', 'Delivery-Date: x\n']), smtp, settings);
  assert.deepEqual(live(r), ['Subject: s\n']);
});
