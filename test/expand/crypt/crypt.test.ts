// crypt(3) vectors made with glibc's crypt (Python's crypt module on Debian)
// and crypteq results checked against Exim 4.98's ${if crypteq...}.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crypteq, crypt16, systemCrypt } from '../../../src/expand/crypt/index.ts';
import { ExpandError } from '../../../src/expand/errors.ts';
import { encodeBytes } from '../../../src/expand/operators/bytes.ts';

const VECTORS: [string, string][] = [
[
"test",
"xx1LtbDbOY4/E"
],
[
"test",
"abgOeLfPimXQo"
],
[
"test",
"$1$salt$No6gqynaE4urT3jScs91F/"
],
[
"test",
"$1$abcdefgh$irWbblnpmw.5z7wgBnprh0"
],
[
"test",
"$5$salt$lNwM/2EW94.5e484ZZwetUClB7.Z/Z3buPmQvXdPEj4"
],
[
"test",
"$6$salt$xdLuw21n.5WciQUUpHTTPfR6QwS..Z1Q/4xGfiyYa51WSQktzSXYXSk2zBp.Is5r9WiXrGqRmHpEG0iG0HaSk."
],
[
"test",
"$5$rounds=1000$x$1wM26S7/qWhIJ0GGlw1l5CwZERiRPZZPsUKWOYxeKP4"
],
[
"test",
"$6$rounds=1200$saltsaltsaltsalt$K.eikf1hpdxLsisHsDdzM.osYT2e6bnK7./4OtMQy/WL1WkUK4TfKBb0YboXsXf.vN5jBJyux49dHUiW5xUMH/"
],
[
"password123",
"xxj31ZMTZzkVA"
],
[
"password123",
"abJnggxhB/yWI"
],
[
"password123",
"$1$salt$/3NHsNrNmNbOO90IOW9dw/"
],
[
"password123",
"$1$abcdefgh$dtq1FtBKBJgv4AX.oFZ2W1"
],
[
"password123",
"$5$salt$XLWJeVAbH3W178D74IkDX6.dlQByMbBzb/KgZVmw486"
],
[
"password123",
"$6$salt$cevuzTZ/QBjzuZG0/ebEeedmcTnhyM8ITUu8K032Cp2XvIibq7voqYagm18bwpLBqrg/l/l6YxTmKKibJz5r10"
],
[
"password123",
"$5$rounds=1000$x$uReH6Whj3XW/JSnjlXXN8.pKi5fqDizffxAAj820/z0"
],
[
"password123",
"$6$rounds=1200$saltsaltsaltsalt$lDa8VFL/ZNCAdRWZ49RezsBpUUVO36/kPdTIHWZh.9PzEyx1RC8QyYvuSwJBxkwC9IFNuDMTEy/FJSernxXr00"
],
[
"",
"xx95eIq3U1EUg"
],
[
"",
"abmF1QH4PEr.E"
],
[
"",
"$1$salt$UsdFqFVB.FsuinRDK5eE.."
],
[
"",
"$1$abcdefgh$M55TzYaaccxVGbptZWaxX/"
],
[
"",
"$5$salt$HrcUzzoef72uxM/YhTU5BAi419Fblqlq//zyM.rIOG0"
],
[
"",
"$6$salt$r6qPcj2UeIkfklWHvleGJk8OKTInFYR/fxyuwcC656IWiZBpIFZ9.hMRG2ZQnnyMFrKOe461f9iT9Ljn0wJ5l."
],
[
"",
"$5$rounds=1000$x$kIBhdUvT3pHpfTjzR8s1XJu3y/HRJeFxMSffBtF8jx9"
],
[
"",
"$6$rounds=1200$saltsaltsaltsalt$jvs2BPhzVvQkWITk3YCx9yFPd1N8ln6XWQeI0xEVw8A9t3SOFWhZaet8ZYoO3ihDz03jzbSg09ifJ3hqBOjDF/"
],
[
"a much longer password here, more than 32 bytes long",
"xxKWXYGiiXnRU"
],
[
"a much longer password here, more than 32 bytes long",
"abgCPYIPCO/2s"
],
[
"a much longer password here, more than 32 bytes long",
"$1$salt$XdQ7woQ/vETICCnErJSqQ/"
],
[
"a much longer password here, more than 32 bytes long",
"$1$abcdefgh$PswpBpdB6OMTNYHa4wBbA0"
],
[
"a much longer password here, more than 32 bytes long",
"$5$salt$E3n7TX0CkbTAH6FzefwYMPt2i0BaaPmGwvRtw9U3Tt4"
],
[
"a much longer password here, more than 32 bytes long",
"$6$salt$IwzSDISgJRkhotGc9RJG7ycyrE97uJD3vIU4cvBAqtFsD6yM9ryx9sBCjDa3.rFD0b6x/o25BL10zPJ2.7RhM/"
],
[
"a much longer password here, more than 32 bytes long",
"$5$rounds=1000$x$6wHU2bYe82iNEZces34jMkz5l.BoedjFKCOraOFoig8"
],
[
"a much longer password here, more than 32 bytes long",
"$6$rounds=1200$saltsaltsaltsalt$daChenGbx.JJ9Vnxl0eyOq5uTUno8VUuK3h6jQ5ZoV0tCHb7rWnvvLk96vyi1wf3xGY4Zw1etLpodpgoAhPHu."
],
[
"héllo",
"xx0aE475/q15o"
],
[
"héllo",
"abySa9ezcaYto"
],
[
"héllo",
"$1$salt$lMRuLbgB/fx.NYeB.iqH01"
],
[
"héllo",
"$1$abcdefgh$yLuSiNUhRLebqMrdFpryk."
],
[
"héllo",
"$5$salt$AOYkPm6PLKIyDC7Qeroz2T4jaKJwYL0Z0enBVDbnQ09"
],
[
"héllo",
"$6$salt$mfGpwKYYhHyE90y.kfXu8dNg4P6t3N9Xg2NFggIsOOTg4htCn9g2RsnmDPBDCX0lbMEKDFqrzIXZ0vB0.Mmhh1"
],
[
"héllo",
"$5$rounds=1000$x$9t5UVsJfS.zGbvbPFLmUyA20nQWM8krBY7h1veqLCQ2"
],
[
"héllo",
"$6$rounds=1200$saltsaltsaltsalt$g09rs9tGfDNoW1pi7zV3WR26Rt/MSKob/GYTkzsx7AOhLkVA.T7QCThVWm5OQK8KFYq3it/k9M1hsk/2/bUhm/"
]
];

test('crypt(3) schemes reproduce glibc output', () => {
  for (const [pw, hash] of VECTORS) {
    const setting = hash.startsWith('$') ? hash.slice(0, hash.lastIndexOf('$')) : hash.slice(0, 2);
    assert.equal(systemCrypt(encodeBytes(pw), setting), hash, `${pw} / ${setting}`);
  }
});

test('crypteq accepts the right password and refuses a wrong one', () => {
  for (const [pw, hash] of VECTORS) {
    assert.equal(crypteq(pw, hash), true, `${pw} ${hash}`);
    assert.equal(crypteq(pw + 'x', hash), !hash.startsWith('$') && encodeBytes(pw).length >= 8, `${pw}x ${hash}`);
    assert.equal(crypteq(pw, '{crypt}' + hash), true);
  }
});

test('crypteq digest forms (Exim)', () => {
  assert.equal(crypteq('test', '{md5}CY9rzUYh03PK3k6DJie09g=='), true);
  assert.equal(crypteq('test', '{MD5}098f6bcd4621d373cade4e832627b4f6'), true);
  assert.equal(crypteq('test', '{md5}098F6BCD4621D373CADE4E832627B4F6'), true);
  assert.equal(crypteq('test', '{md5}cy9rzUYh03PK3k6DJie09g=='), false);
  assert.equal(crypteq('test', '{md5}abc'), false);
  assert.equal(crypteq('tesT', '{md5}CY9rzUYh03PK3k6DJie09g=='), false);
  assert.equal(crypteq('test', '{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M='), true);
  assert.equal(crypteq('test', '{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'), true);
  assert.equal(crypteq('test', '{SHA1}A94A8FE5CCB19BA61C4C0873D391E987982FBBD3'), true);
  assert.equal(crypteq('test', '{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbd4'), false);
});

test('crypteq crypt forms and edge cases (Exim)', () => {
  assert.equal(crypteq('test', 'xx1LtbDbOY4/E'), true);
  assert.equal(crypteq('test', '{CRYPT}xx1LtbDbOY4/E'), true);
  assert.equal(crypteq('test', '{crypt16}xx1LtbDbOY4/E'), true);
  assert.equal(crypteq('test', 'xxj31ZMTZzkVA'), false);
  assert.equal(crypteq('test', ''), false);
  assert.equal(crypteq('test', 'x'), false);
  assert.equal(crypteq('test', '!!abc'), false);
  assert.equal(crypteq('test', '{crypt}'), false);
  assert.equal(crypteq('', ''), false);
});

test('crypt16 is two DES crypts of 8-byte halves', () => {
  const pw = encodeBytes('longpassword12');
  const h = crypt16(pw, 'ab')!;
  assert.equal(h.length, 24);
  assert.equal(h.slice(0, 13), systemCrypt(encodeBytes('longpass'), 'ab'));
  assert.equal(h.slice(13), systemCrypt(encodeBytes('word12'), h.slice(2, 4))!.slice(2));
  assert.equal(crypteq('longpassword12', '{crypt16}' + h), true);
  assert.equal(crypteq('longpassword13', '{crypt16}' + h), false);
});

test('unknown mechanisms and unsupported schemes are errors', () => {
  assert.throws(() => crypteq('test', '{sha256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='),
    (e: unknown) => e instanceof ExpandError && e.message === 'unknown encryption mechanism in "{sha256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="');
  assert.throws(() => crypteq('test', '{foo}x'), { message: 'unknown encryption mechanism in "{foo}x"' });
  assert.throws(() => crypteq('test', '{md5'), { message: 'unknown encryption mechanism in "{md5"' });
  assert.throws(() => crypteq('test', '$2b$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'), ExpandError);
  assert.throws(() => crypteq('test', '$y$j9T$abc$def'), ExpandError);
});
