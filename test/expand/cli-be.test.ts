// tern -be / -bem against output recorded from `exim4 -C /dev/null -be`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const tern = (args: string[], input = ''): { out: string; code: number | null } => {
  const r = spawnSync(process.execPath, [path.join(root, 'src/main.ts'), ...args], { input, encoding: 'latin1' });
  return { out: r.stdout, code: r.status };
};

test('-be on stdin: prompts, continuation, macros, set, trailing space', () => {
  const input = 'abc\n${lc:ABC}\\\n   def\n$foo\n\nset acl_m_x = hi\n$acl_m_x\nMAC = mv\nMAC xMAC\nset foo\ntrailing   \n';
  const want = "> abc\n> abcdef\n> Failed: unknown variable name \"foo\"\n> \n> variable m_x set\n> hi\n> Defined macro 'MAC'\n> mv xmv\n" +
    '> invalid variable name after "set" in ACL modifier "set foo" (must start "acl_c" or "acl_m")\n> trailing\n> \n';
  const r = tern(['-C', '/dev/null', '-be'], input);
  assert.equal(r.out, want);
  assert.equal(r.code, 0);
});

test('-be reads long lines in 1023-byte pieces, as Exim does', () => {
  const r = tern(['-C', '/dev/null', '-be'], 'a'.repeat(2100) + '\n');
  assert.deepEqual(r.out.split('\n').map((l) => l.length), [1025, 1025, 56, 2, 0]);
});

test('-be with arguments, and -oM settings', () => {
  const r = tern(['-C', '/dev/null', '-oMa', '10.1.2.3.25', '-oMs', 'host.example', '-oMr', 'esmtp', '-oMi', '192.0.2.1', '-be',
    '$sender_host_address $sender_host_port $sender_host_name $received_protocol $interface_address', '$nope']);
  assert.equal(r.out, '10.1.2.3 25 host.example esmtp 192.0.2.1\nFailed: unknown variable name "nope"\n');
  assert.equal(r.code, 0);
});

test('-bem loads a message for $h_ and body variables', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-bem-'));
  const msg = path.join(dir, 'm');
  fs.writeFileSync(msg, 'Subject: hi\nTo: a@b\n\nbody line\n');
  try {
    const r = tern(['-C', '/dev/null', '-bem', msg, '$h_subject:|$h_to:|$message_body|$body_linecount']);
    assert.equal(r.out, 'hi|a@b|body line |1\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
