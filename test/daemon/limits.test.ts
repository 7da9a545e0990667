import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAcceptLimits, checkReserve, ConnectionCounts, parseMaxPerHost, queueOnlyFor, reserveApplies } from '../../src/daemon/limits.ts';

const limits = { acceptMax: 3, acceptReserve: 1, acceptQueue: 0 };

test('connection counts per host and in total', () => {
  const c = new ConnectionCounts();
  c.add('1.1.1.1');
  c.add('1.1.1.1');
  c.add('2.2.2.2');
  assert.equal(c.total, 3);
  assert.equal(c.forHost('1.1.1.1'), 2);
  c.remove('1.1.1.1');
  c.remove('9.9.9.9'); // unknown: no effect
  assert.equal(c.total, 2);
  c.remove('1.1.1.1');
  assert.equal(c.forHost('1.1.1.1'), 0);
  assert.equal(c.total, 1);
});

// Replies and log lines as Exim 4.98 gave them (smtp_accept_max = 3, _per_host = 2, _reserve = 1).
test('smtp_accept_max, then smtp_accept_max_per_host', () => {
  assert.equal(checkAcceptLimits(2, 1, 2, limits, '[127.0.0.1]'), undefined);
  assert.deepEqual(checkAcceptLimits(3, 0, 2, limits, '[127.0.0.4]'), {
    reply: '421 Too many concurrent SMTP connections; please try again later.',
    log: 'Connection from [127.0.0.4] refused: too many connections',
  });
  assert.deepEqual(checkAcceptLimits(2, 2, 2, limits, '[127.0.0.1]'), {
    reply: '421 Too many concurrent SMTP connections from this IP address; please try again later.',
    log: 'Connection from [127.0.0.1] refused: too many connections from that IP address',
  });
  assert.equal(checkAcceptLimits(1000, 1000, 0, { ...limits, acceptMax: 0 }, '[x]'), undefined, '0 means no limit');
});

test('smtp_accept_reserve and smtp_load_reserve', () => {
  assert.equal(reserveApplies(1, 0, limits), false);
  assert.equal(reserveApplies(2, 0, limits), true);
  assert.deepEqual(checkReserve(2, 0, limits, '[127.0.0.3]', 'vm'), {
    reply: '421 vm: Too many concurrent SMTP connections; please try again later',
    log: 'temporarily refused connection from [127.0.0.3]: not in reserve list: connected=2 max=3 reserve=1',
  });
  const load = { acceptMax: 0, acceptReserve: 0, acceptQueue: 0, loadReserve: 1500 };
  assert.equal(reserveApplies(0, 1.2, load), false);
  assert.equal(reserveApplies(0, 1.6, load), true);
  assert.deepEqual(checkReserve(0, 1.6, load, '[10.0.0.1]', 'mx'), {
    reply: '421 mx: Too much load; please try again later',
    log: 'temporarily refused connection from [10.0.0.1]: not in reserve list and load average = 1.60',
  });
});

test('smtp_accept_queue and the value of smtp_accept_max_per_host', () => {
  assert.equal(queueOnlyFor(5, { ...limits, acceptQueue: 0 }), false);
  assert.equal(queueOnlyFor(2, { ...limits, acceptQueue: 2 }), false);
  assert.equal(queueOnlyFor(3, { ...limits, acceptQueue: 2 }), true);
  assert.equal(parseMaxPerHost(''), 0);
  assert.equal(parseMaxPerHost(' 12 '), 12);
  assert.deepEqual(parseMaxPerHost('ten'), { error: 'expansion of smtp_accept_max_per_host "ten" contains non-digit' });
});
