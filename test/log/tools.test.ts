// Logs written by tern are read by Debian's eximstats and exigrep
// (package exim4-base); skipped where those are not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EximLogger, parseLogSelector, formatArrival, formatAclRejection, formatConnectionOpened, formatConnectionClosed, type LogPeer } from '../../src/log/index.ts';

const have = (p: string) => fs.existsSync(p);
const skip = !(have('/usr/sbin/eximstats') && have('/usr/sbin/exigrep')) && 'eximstats/exigrep not installed';

function writeSample(selectorText: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-logtools-'));
  const sel = parseLogSelector(selectorText);
  let t = new Date(2026, 10, 22, 10, 0, 0).getTime();
  const log = new EximLogger({ logFilePath: `${dir}/%slog`, selector: sel, spoolDirectory: dir, writeRejectlog: true, stderr: null, now: () => new Date(t += 1500) });
  const ids = ['1xV7Jz-000000006sm-3jkE', '1xV7K0-000000006sn-0QB9', '1xV7K4-000000006uL-3EuP'];
  const senders = ['alice@example.org', '', 'user@example.net'];
  ids.forEach((id, i) => {
    const peer: LogPeer = { address: `192.0.2.${i + 1}`, port: 40000 + i, heloName: `client${i}.example`, interfaceAddress: '192.0.2.100', interfacePort: 25, connectionId: 100 + i };
    log.main(formatConnectionOpened({ address: peer.address, port: peer.port, interfaceAddress: '192.0.2.100', interfacePort: 25, connectionId: 100 + i }, sel, 1));
    if (i === 0) log.reject(formatAclRejection({ peer, where: 'rcpt', commandData: '<bad@example.com>', sender: senders[i], logMessage: 'no such user' }, sel));
    const a = formatArrival({ sender: senders[i]!, peer, protocol: i === 2 ? 'esmtpsa' : 'esmtp', size: 1000 * (i + 1), messageIdHeader: `m${i}@example.org`,
      tls: i === 2 ? { cipher: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', certificateVerified: 'no' } : undefined,
      auth: i === 2 ? { name: 'plain', id: 'user' } : undefined, subject: 'hello', rawSender: senders[i], rawRecipients: ['bob@example.com'] }, sel);
    log.main(a.main, { id });
    log.main(formatConnectionClosed(peer, sel, 300, { how: 'quit' }));
  });
  // a delivery and completion for the first message, as the delivery side will write them
  log.main('=> bob <bob@example.com> R=localuser T=local_delivery', { id: ids[0] });
  log.main('Completed', { id: ids[0] });
  return dir;
}

for (const selectorText of ['', '+all', '+pid +millisec +incoming_port +smtp_connection']) {
  test(`eximstats reads tern's mainlog (log_selector = ${selectorText || 'default'})`, { skip }, () => {
    const dir = writeSample(selectorText);
    const r = spawnSync('/usr/sbin/eximstats', ['-nr', '-t0', '-ne', `${dir}/mainlog`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const received = /^\s*Received\s+(\S+)\s+(\d+)/m.exec(r.stdout);
    assert.ok(received, r.stdout);
    assert.equal(Number(received[2]), 3, 'messages received');
    assert.match(r.stdout, /^\s*Received\s+6000\s/m, 'bytes received');
    const delivered = /^\s*Delivered\s+\S+\s+(\d+)/m.exec(r.stdout);
    assert.equal(Number(delivered?.[1]), 1, 'messages delivered');
    assert.match(r.stdout, /Rejects\s+1\b/);
  });

  test(`exigrep finds a message's lines (log_selector = ${selectorText || 'default'})`, { skip }, () => {
    const dir = writeSample(selectorText);
    const r = spawnSync('/usr/sbin/exigrep', ['alice@example.org', `${dir}/mainlog`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /1xV7Jz-000000006sm-3jkE/.test(l));
    assert.equal(lines.length, 3, r.stdout);
    assert.match(r.stdout, /<= alice@example\.org/);
    assert.match(r.stdout, /Completed/);
  });
}
