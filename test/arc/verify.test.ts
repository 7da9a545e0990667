// The pieces of ARC verification that need no DNS: dropping later ARC sets
// (for oldest-pass), the Authentication-Results text, and a message without
// ARC header fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyArc, withoutLaterSets } from '../../src/arc/verify.ts';
import { arcAuthResult } from '../../src/arc/condition.ts';

const TWO_SETS = [
  'ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=b.test; s=s2; b=x',
  'ARC-Message-Signature: i=2; a=rsa-sha256; d=b.test; s=s2;',
  '\th=from; bh=y; b=z',
  'ARC-Authentication-Results: i=2; b.test; arc=pass',
  'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=a.test; s=s1; b=x',
  'ARC-Message-Signature: i=1; a=rsa-sha256; d=a.test; s=s1; h=from; bh=y; b=z',
  'ARC-Authentication-Results: i=1; a.test; dkim=pass',
  'From: someone@a.test',
  '',
  'body',
  '',
].join('\r\n');

test('withoutLaterSets keeps the sets up to the instance, other fields and the body', () => {
  const one = withoutLaterSets(Buffer.from(TWO_SETS, 'latin1'), 1).toString('latin1');
  assert.doesNotMatch(one, /i=2/);
  assert.doesNotMatch(one, /h=from; bh=y; b=z\r\n\tARC/);
  assert.match(one, /^ARC-Seal: i=1; .*\r\nARC-Message-Signature: i=1; .*\r\nARC-Authentication-Results: i=1; a\.test; dkim=pass\r\nFrom: someone@a\.test\r\n\r\nbody\r\n$/);
  assert.equal(withoutLaterSets(Buffer.from(TWO_SETS, 'latin1'), 2).toString('latin1'), TWO_SETS);
});

test('the arc= text of Authentication-Results', () => {
  const pass = { state: 'pass' as const, reason: '', domains: 'a.test', oldestPass: 1, instance: 2, amsSelector: 's2' };
  assert.equal(arcAuthResult(pass, '192.0.2.1'), 'arc=pass (i=2) header.s=s2 arc.oldest-pass=1 smtp.remote-ip=192.0.2.1');
  assert.equal(arcAuthResult(pass, undefined), 'arc=pass (i=2) header.s=s2 arc.oldest-pass=1');
  assert.equal(arcAuthResult({ ...pass, state: 'fail', reason: 'i=2 seal signature validation failed', oldestPass: 0 }, undefined),
    'arc=fail (i=2)(i=2 seal signature validation failed) header.s=s2 arc.oldest-pass=0');
  assert.equal(arcAuthResult({ state: 'none', reason: '', domains: '', oldestPass: 0, instance: 0, amsSelector: '' }, '192.0.2.1'), 'arc=none');
});

test('a message without ARC header fields is "none", asking no DNS', async () => {
  const o = await verifyArc(Buffer.from('From: a@b.test\r\n\r\nbody\r\n'), { resolver: async () => { throw new Error('no DNS expected'); } });
  assert.deepEqual(o, { state: 'none', reason: '', domains: '', oldestPass: 0, instance: 0, amsSelector: '' });
});

test('a broken chain (instance 2 without 1) fails', async () => {
  const broken = TWO_SETS.split('\r\n').filter((l) => !/i=1;/.test(l)).join('\r\n');
  const o = await verifyArc(Buffer.from(broken, 'latin1'), { resolver: async () => { throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' }); } });
  assert.equal(o.state, 'fail');
  assert.match(o.reason, /i=2 expected=1/);
  assert.equal(o.domains, '');
});
