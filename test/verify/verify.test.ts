import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { addressVerifyHooks, verifyAddress } from '../../src/verify/index.ts';
import { configFrom, envFor, tempDir } from '../routers/helpers.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'aliases'), 'a.wol: aw123\naw123: :fail: Gone away, no forwarding address\nlist: root, daemon, nosuch\none: nosuch\n');

const config = configFrom(dir, `
domainlist local_domains = @ : localhost
begin routers
manual:
  driver = manualroute
  domains = remote.test
  route_list = * 192.0.2.7
  transport = remote_smtp
refuser:
  driver = accept
  domains = refused.test
  fail_verify_sender
  transport = remote_smtp
deliveronly:
  driver = accept
  domains = deliveronly.test
  no_verify
  transport = remote_smtp
aliases:
  driver = redirect
  domains = +local_domains
  data = \${lookup{$local_part}lsearch{${dir}/aliases}}
  allow_fail
localuser:
  driver = accept
  check_local_user
  domains = +local_domains
  transport = local_delivery
  cannot_route_message = Unknown user
begin transports
remote_smtp:
  driver = smtp
local_delivery:
  driver = appendfile
  file = /tmp/x
`);

const env = () => envFor(config);

describe('verifyAddress', () => {
  it('verifies a local user and rejects an unknown one with the router\'s message', async () => {
    assert.equal((await verifyAddress('root@localhost', 'recipient', {}, env())).result, 'ok');
    const r = await verifyAddress('nosuch@localhost', 'recipient', {}, env());
    assert.deepEqual([r.result, r.message, r.failure], ['fail', 'Unknown user', 'route']);
  });

  it('the empty sender verifies', async () => {
    assert.equal((await verifyAddress('', 'sender', {}, env())).result, 'ok');
  });

  it('one child: verification goes on with it; several: success; success_on_redirect: success at once', async () => {
    const wol = await verifyAddress('a.wol@localhost', 'recipient', {}, env());
    assert.deepEqual([wol.result, wol.message], ['fail', 'Gone away, no forwarding address']);
    assert.equal((await verifyAddress('one@localhost', 'recipient', {}, env())).result, 'fail');
    assert.equal((await verifyAddress('one@localhost', 'recipient', { successOnRedirect: true }, env())).result, 'ok');
    assert.equal((await verifyAddress('list@localhost', 'recipient', {}, env())).result, 'ok');
  });

  it('no_verify routers are skipped; fail_verify_sender fails sender verification only', async () => {
    assert.equal((await verifyAddress('x@deliveronly.test', 'recipient', {}, env())).result, 'fail');
    assert.equal((await verifyAddress('x@refused.test', 'sender', {}, env())).result, 'fail');
    assert.equal((await verifyAddress('x@refused.test', 'recipient', {}, env())).result, 'ok');
  });

  it('-bh omits a callout to a remote host (and says so); a local address needs none', async () => {
    const co = { callout: { raw: '30s', timeout: 30 } };
    const lines: string[] = [];
    const r = await verifyAddress('x@remote.test', 'recipient', co, { ...env(), omitCallouts: true, trace: (l) => lines.push(l) });
    assert.equal(r.result, 'ok');
    assert.deepEqual(lines.slice(-3), [
      'Attempting full verification using callout',
      '... callout omitted by default when host testing',
      '(Use -bhc if you want the callouts to happen.)',
    ]);
    assert.equal((await verifyAddress('x@remote.test', 'recipient', {}, env())).result, 'ok');
    const local: string[] = [];
    assert.equal((await verifyAddress('root@localhost', 'recipient', co, { ...env(), trace: (l) => local.push(l) })).result, 'ok');
    assert.ok(!local.some((l) => l.includes('callout')), local.join('\n'));
  });

  it('header_sender: an address in From:/Sender:/Reply-To: must verify', async () => {
    const ok = await verifyAddress('', 'header_sender', { headers: ['Subject: x\n', 'From: Someone <nosuch@localhost>, root@localhost\n'] }, env());
    assert.equal(ok.result, 'ok');
    const bad = await verifyAddress('', 'header_sender', { headers: ['From: <nosuch@localhost>\n'] }, env());
    assert.deepEqual([bad.result, bad.message], ['fail', 'Unknown user']);
  });

  it('the ACL hook caches sender results per message scope', async () => {
    const lines: string[] = [];
    const scope = {};
    const hooks = addressVerifyHooks({ config, ctx: env().ctx, cacheScope: scope, trace: (l) => lines.push(l) });
    assert.equal((await hooks.address!('root@localhost', 'sender', {})).result, 'ok');
    assert.equal((await hooks.address!('root@localhost', 'sender', {})).result, 'ok');
    assert.equal(lines.filter((l) => l === 'using cached sender verify result').length, 1);
    const r = await addressVerifyHooks({ config, ctx: env().ctx }).address!('nosuch@localhost', 'recipient', {});
    assert.deepEqual([r.result, r.message], ['fail', 'Unknown user']);
  });
});
