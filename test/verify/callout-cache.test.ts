// The callout cache's lifetimes (spec "Callout caching"): address records
// last callout_positive_expire / callout_negative_expire; a domain record
// lasts the domain negative time when the domain refused callouts or its
// postmaster, else the positive time; its random and postmaster parts
// expire on their own. A real hints database in a temporary spool; only
// the clock is the test's.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CalloutCache, emptyDomainRecord } from '../../src/hints/callout.ts';
import { closeHintsDbs, openHintsDb } from '../../src/hints/db.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-callout-cache-'));
after(() => {
  closeHintsDbs();
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOUR = 3600;
const expiry = { positive: 24 * HOUR, negative: 2 * HOUR, domainPositive: 7 * 24 * HOUR, domainNegative: 3 * HOUR };

function cacheAt(clock: { now: number }): CalloutCache {
  return new CalloutCache(openHintsDb(path.join(dir, 'spool'), 'callout'), expiry, () => clock.now);
}

describe('CalloutCache', () => {
  it('address records: positive for a day, negative for two hours (the defaults)', () => {
    const clock = { now: 1_000_000 };
    const c = cacheAt(clock);
    c.putAddress('good@x.test', 'accept');
    c.putAddress('bad@x.test', 'reject');
    clock.now += 2 * HOUR - 1;
    assert.equal(c.getAddress('bad@x.test')?.result, 'reject');
    clock.now += 2;
    assert.equal(c.getAddress('bad@x.test'), undefined);
    assert.equal(c.getAddress('good@x.test')?.result, 'accept');
    clock.now += 22 * HOUR;
    assert.equal(c.getAddress('good@x.test'), undefined);
    assert.equal(c.getAddress('never@x.test'), undefined);
  });

  it('domain records: a refusing domain is forgotten after the negative time, a working one after the positive', () => {
    const clock = { now: 2_000_000 };
    const c = cacheAt(clock);
    c.putDomain('refuses.test', { ...emptyDomainRecord(clock.now), result: 'reject_mfnull' });
    c.putDomain('Works.TEST', { ...emptyDomainRecord(clock.now), result: 'accept', random: 'reject', postmaster: 'accept' });
    assert.equal(c.getDomain('works.test')?.result, 'accept', 'domains are case-blind');
    clock.now += 3 * HOUR + 1;
    assert.equal(c.getDomain('refuses.test'), undefined);
    // The random part was negative: it expired with the negative time, the rest stays.
    assert.deepEqual([c.getDomain('works.test')?.result, c.getDomain('works.test')?.random, c.getDomain('works.test')?.postmaster], ['accept', 'unknown', 'accept']);
    clock.now += 7 * 24 * HOUR;
    assert.equal(c.getDomain('works.test'), undefined);
  });

  it('a refused postmaster makes the whole domain record last only the negative time', () => {
    const clock = { now: 3_000_000 };
    const c = cacheAt(clock);
    c.putDomain('nopm.test', { ...emptyDomainRecord(clock.now), result: 'accept', postmaster: 'reject' });
    clock.now += 3 * HOUR - 1;
    assert.equal(c.getDomain('nopm.test')?.postmaster, 'reject');
    clock.now += 2;
    assert.equal(c.getDomain('nopm.test'), undefined);
  });
});
