// redirect router options checked against exim4 -bt: check_ancestor and
// skip_syntax_errors (plain lists).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { routeAddress } from '../../src/routers/index.ts';
import { configFrom, envFor, tempDir } from './helpers.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function leaves(out: Awaited<ReturnType<typeof routeAddress>>): string[][] {
  return out.map((o) => [o.address.address, o.router ?? '', o.result]);
}

test('check_ancestor: an address pointing back to an ancestor becomes a copy of the current address', async () => {
  const routers = (extra: string) => configFrom(dir, [
    'begin routers',
    'aliases:', '  driver = redirect', '  domains = x.example', '  data = ${if eq{$local_part}{joe}{jb@x.example}}',
    'forwards:', '  driver = redirect', '  domains = x.example', '  data = ${if eq{$local_part}{jb}{joe@x.example, other@y.example}}', extra,
    'last:', '  driver = accept', '  transport = t',
    'begin transports', 't:', '  driver = appendfile', '  file = /dev/null', '',
  ].join('\n'));
  const without = await routeAddress(envFor(routers('')), 'joe@x.example');
  assert.deepEqual(leaves(without).map((l) => l[0]).sort(), ['joe@x.example', 'other@y.example']);
  const withIt = await routeAddress(envFor(routers('  check_ancestor')), 'joe@x.example');
  assert.deepEqual(leaves(withIt).map((l) => l[0]).sort(), ['jb@x.example', 'other@y.example']);
  const copy = withIt.find((o) => o.address.address === 'jb@x.example')!;
  assert.deepEqual([copy.address.parent?.address, copy.address.parent?.parent?.address], ['jb@x.example', 'joe@x.example']);
});

test('skip_syntax_errors: malformed addresses are logged and skipped; all of them bad, the router declines', async () => {
  const config = (data: string, skip: boolean) => configFrom(dir, [
    'begin routers', 'aliases:', '  driver = redirect', '  domains = x.example', `  data = ${data}`, skip ? '  skip_syntax_errors' : '',
    'last:', '  driver = accept', '  transport = t',
    'begin transports', 't:', '  driver = appendfile', '  file = /dev/null', '',
  ].join('\n'));
  const strict = await routeAddress(envFor(config('good@y.example, bad@@y', false)), 'joe@x.example');
  assert.deepEqual([strict[0].result, strict[0].message], ['defer', 'error in redirect data: domain missing or malformed in "bad@@y"']);
  const env = envFor(config('good@y.example, bad@@y, also@y.example', true));
  const skipped = await routeAddress(env, 'joe@x.example');
  assert.deepEqual(leaves(skipped).map((l) => l[0]).sort(), ['also@y.example', 'good@y.example']);
  assert.deepEqual(env.logged, ['aliases router: skipped error: domain missing or malformed in "bad@@y"']);
  const allBad = await routeAddress(envFor(config('bad@@y', true)), 'joe@x.example');
  assert.deepEqual(leaves(allBad), [['joe@x.example', 'last', 'accept']]);
});
