// clamd's answers (as clamd 1.4 gives them for SCAN and zINSTREAM, with and
// without ExtendedDetectionInfo) read as Exim reads them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClamdAnswer } from '../../src/scan/clamd.ts';
import { MalwareError } from '../../src/scan/scanner.ts';

test('OK, FOUND (with and without the hash and size), ERROR, nonsense', () => {
  assert.equal(parseClamdAnswer('stream: OK', 'x'), undefined);
  assert.equal(parseClamdAnswer('/var/spool/scan/ID/ID.eml: Tern.Test.Sig.UNOFFICIAL FOUND', 'x'), 'Tern.Test.Sig.UNOFFICIAL');
  assert.equal(parseClamdAnswer('stream: Eicar-Test-Signature(44d88612fea8a8f36de82e1278abb02f:68) FOUND', 'x'), 'Eicar-Test-Signature');
  assert.throws(() => parseClamdAnswer('/x: lstat() failed: No such file or directory. ERROR', '/s'),
    (e: unknown) => e instanceof MalwareError && e.message === 'clamd /s : ClamAV returned: /x: lstat() failed: No such file or directory. ERROR');
  assert.throws(() => parseClamdAnswer('UNKNOWN COMMAND', '[127.0.0.1]:3310'),
    (e: unknown) => e instanceof MalwareError && e.message === 'clamd [127.0.0.1]:3310 : ClamAV returned malformed result (missing colon): UNKNOWN COMMAND');
  assert.throws(() => parseClamdAnswer('stream: what', 'x'), /unparseable response from ClamAV: \{stream: what\}/);
});
