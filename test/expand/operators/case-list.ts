// Operator cases to record from Exim (record.ts) and replay (operators.test.ts).
// Each is [operator name as written, subject after expansion].

const ADDR = [
  'Chief <ceo@up.stairs>', 'sec@base.ment (dogsbody)', '"a b"@c.d', '<>', 'foo', 'foo@', '@foo', 'a@b, c@d',
  '<a@b> x', '  x@y  ', 'A@B.COM', '<@r1,@r2:a@b>', 'group: a@b, c@d;', 'a.@b', 'a..b@c', 'a@[1.2.3.4]', 'a@b.',
  'a @ b . c', 'a(x)@(y)b', '<a@b', 'a@b>', '.ab@c', '"a"."b"@c', '"a" b@c', 'a (c) . b@d', 'x <a@b> (c)',
  'x <<a@b>>', 'a@b;', '"unterm@x', '(comment) a@b', 'a@(c)b.(d)c', '<a@>', 'a@[ipv6:1::2]', 'a@[1.2.3.4',
  'a.b.c <x@y>', '<@a:b@c>', '<@a,@b,c@d>', 'a@b..c', 'a@-b', 'a\x01b@c', 'a]@b', 'x y <a@b>', '"q" <a@b>',
  'x.y. <a@b>', '<a b@c>', '(unterminated a@b', 'a@b (unterminated', '<a@b>>', ' ', 'a@b.-c', 'a@b-.c', 'a@b_c',
  'a@b#c', 'a@é.jp', 'a@.b', '@', 'a@[x]', '< a@b>', '<a@b >', 'a@b(c)d', 'a\\b@c', '"a\\"b"@c', 'フィル <フィリップ@example.jp>',
  'Fred.Bloggs@example.com', 'a@b@c', 'a b@c', 'a@b c', '', '<@r:a@b>', 'x@y (a (nested) comment)', 'a@b-c',
];

const ADDRESSES = [
  '>& Chief <ceo@up.stairs>, sec@base.ment (dogsbody)', 'From: Last, First <user@example.com>',
  'From: "Last, First" <user@example.com>', 'a@b, , bad, c@d', 'a:b@c, d@e', '"a:b"@c, d@e', '>', '',
  '>:a@b,c@d', 'grp: a@b, c@d;, e@f', '":a"@b, c@d', '>, a@b , c@d', '>,":,a"@b, c@d', '<>, a@b',
  'a@b (x, y), c@d', '<@r1,@r2:a@b>, c@d', 'フィル <フィリップ@example.jp>', 'a@b\n, c@d', 'a@b,c@d,e@f',
];

const IPS = [
  '192.0.2.4', '2001:0db8:c42:9:1:abcd:192.0.2.127', 'foo', '::1', '1.2.3', '', '1.2.3.4/8', '0.0.0.0',
  '1.2.3.00', '001.002.003.004', '1.2.3.999', '::ffff:1.2.3.4', 'fe80::1%eth0', '1:2:3:4:5:6:7:8', '::',
  '2001:0db8:0000:0000:0000:0000:0000:0001', '1:0:0:1:0:0:0:1', '1:0:0:1:0:0:1:1', '::1.2.3.4', '1.2.3.4',
  '1:0:2:3:4:5:6:7', 'ABCD::', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', '::1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7::', '1:2:3:4:5:6::1.2.3.4', ':1::', '1::2:', '0:0:0:0:0:0:0:0', '1.2.3.4.5', '::ffff:1.2.3',
  '1:2:3:4:5:6:1.2.3.4', 'a::b:0:0:c', '0:0:1::', '::0:1', '1::1.2.3.4', '1:::2', '1:2::3%', '1.2.3.4/',
  '1.2.3.4/x', '::ffff:1.2.3.04',
];

const MASKS = [
  '192.168.3.4/24', '10.111.131.206/28', '3ffe:ffff:836f:0a00:000a:0800:200a:c031/99', '1.2.3.4', '1.2.3.4/33',
  '1.2.3.4/0', '1.2.3.4/32', '::1/128', '::1/129', '1.2.3/8', '1.2.3.4/x', '1.2.3.4/ 8', '1.2.3.4/-1', '::/0',
  '2001:db8::1/64', '2001:DB8::1/64', '::ffff:1.2.3.4/120', '1.2.3.4/08', '1.2.3.4/', '/8', '01.2.3.4/8',
  '1.2.3.256/8', ' 1.2.3.4/8', '1.2.3.4 /8', '1.2.3.4/8 ', '1.2.3.4/+8', '1.2.3.4/8/8', '0001:2:3:4:5:6:7:8/16',
  '00001:2:3:4:5:6:7:8/16', '1.2.3.4/4294967304', '1.2.3.4/99999999999999999999', 'fe80::1%eth0/64',
  '1:0:0:1:0:0:1:1/128', '255.255.255.255/31', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65',
];

const HASH_SUBJECTS = ['monty', 'monty python', 'abcdef', 'supercalifragilisticexpialidocious', '', 'a', 'héllo wörld',
  'The quick brown fox jumps over the lazy dog'];

const cases: [string, string][] = [];
const add = (names: string[], subjects: string[]): void => {
  for (const n of names) for (const s of subjects) cases.push([n, s]);
};

add(['address', 'domain', 'local_part'], ADDR);
add(['addresses'], ADDRESSES);
add(['ipv6norm', 'ipv6denorm', 'reverse_ip'], IPS);
add(['mask', 'mask_n'], MASKS);
add(['hash_3', 'hash_5', 'hash_4_62', 'hash_10_10', 'hash_2_1', 'h_3', 'hash_x', 'hash_3_x', 'hash_3_100', 'hash_3_63',
  'hash_1_62', 'hash_0'], HASH_SUBJECTS);
add(['nhash_8_64', 'nhash_8', 'nhash_1000000', 'nh_3', 'nhash_x', 'nhash_7_5', 'nhash_1_1'], HASH_SUBJECTS);
add(['length_3', 'length_0', 'l_2', 'length_x', 'length_-1', 'length_3_4', 'length_99999999999'], ['abcdef', '', 'héllo']);
add(['substr_1_2', 'substr_-1', 'substr_1', 'substr_-5_2', 'substr_-3_2', 'substr_10', 's_1_1', 'substr_1_x',
  'substr_1_-1', 'substr_-10', 'substr_0_0', 'substr_2_100', 'substr_1_999999999999', 'substr_-2'], ['abcde', '12', 'héllo', '']);
add(['md5', 'sha1', 'sha256', 'sha2', 'sha2_256', 'sha2_384', 'sha2_512', 'sha2_100', 'sha2_', 'sha3', 'sha3_224',
  'sha3_256', 'sha3_384', 'sha3_512', 'sha3_100', 'md5_3', 'sha256_512', 'sha256_3', 'sha1_x'], ['abc', '', 'héllo\x80']);
add(['base62'], ['0', '12345678901234', '99999999999999999999', 'abc', '', '18446744073709551615', '-5', ' 1', '1 ', '56800235584', '61', '62']);
add(['base62d'], ['zzzzzz', '000001', '!!', '', 'AZaz09xx', 'zzzzzzzzzzzzzz', '-', '10']);
add(['base32'], ['0', '31', '32', 'abc', '', '18446744073709551615', '18446744073709551616', '1 ', '+5', '123456789']);
add(['base32d'], ['zz', '', '9', 'A', 'zzzzzzzzzzzzzzz', 'ba', '7']);
add(['base64', 'str2b64'], ['abc', '', 'é\x80', 'a\nb']);
add(['base64d'], ['YWJj', 'YW=Jj', '!!', 'YQ', 'YQ=', 'YQ==', 'Y Q==', 'YQ==YQ==', 'YWJj\nZGVm', 'Y', 'YWJjZA===', 'AA==', 'gA==', '-_8=', 'w6k=']);
add(['hex2b64'], ['0a0b', '0a0', 'zz', '', 'ABCDEF', 'z']);
add(['lc', 'uc', 'strlen'], ['AbC ÉÈ', 'abc éè', 'héllo', '', 'MiXeD 123']);
add(['escape', 'escape8bit', 'hexquote', 'rxquote'], ['a\tb\nc\x01\x7f\x80\xff é\\', 'plain', 'a\rb\x08\x0b\x0c', '', 'a.b*c_d é-1', 'x\x00y']);
add(['quote', 'quote_local_part'], ['abc', '', 'a b', 'a"b\\c', 'a\nb\rc', 'a_b.c-d', 'a+b', 'é', '.ab', 'a..b', 'ab.',
  "!#$%&'*+-/=?^_`{|}~", 'fil é', 'a@b', 'a:b']);
add(['xtextd'], ['a+2Bb+3D', 'a+2bb', 'plain', '', '+41+42+43']);
add(['time_eval'], ['2d4h5m', '1w', '10', '', '1x', '1h 2m', '5s5s', ' 1h', '-1h', '99999999999w', '4294967296s', '2147483648s', '0s', '1W', '3m2s']);
add(['time_interval'], ['0', '1000000', '60', '3601', 'x', '-5', '', '99999999999', ' 5', '5 ', '4294967296', '99999999999999999999', '86400', '604801']);
add(['rfc2047'], ['hello', 'héllo wörld', 'a b', 'a_b?c=d', '', 'a@b', 'é'.repeat(40), '@'.repeat(80), 'a'.repeat(100) + '@',
  '@' + 'a'.repeat(100), 'x' + 'é'.repeat(30), '\x01'.repeat(40), 'a b'.repeat(40) + 'é', 'tab\there']);
add(['rfc2047d'], ['=?utf-8?Q?h=C3=A9llo?=', '=?iso-8859-1?Q?h=E9llo?=', '=?utf-8?B?aMOpbGxv?= =?utf-8?Q?_x?=', 'a =?utf-8?Q?b?= c',
  '=?bogus?Q?a?=', '=?utf-8?Q?a=00b?=', '=?utf-8?X?a?=', 'plain', '=?utf-8?q?a=c3=a9?=', '=?UTF-8*en?Q?a?=',
  '=?utf-8?Q?a?= x =?utf-8?Q?b?=', '=?utf-8?Q?a?=  =?utf-8?Q?b?=', '=?utf-8?Q?a b?=', '=?utf-8?B?!!?=', '=?utf-8?Q?a=zz?=',
  'x=?utf-8?Q?a?=y', '=?utf-8?Q?' + 'a'.repeat(76) + '?=', '=?utf-8?Q??=', '=?iso-8859-15?Q?=A4?=']);
add(['from_utf8'], ['héllo €', 'plain', '', '\xa9 2024']);
add(['utf8clean'], ['a\udcffb\udcc3', 'a\u00e9b\udce2\udc82', '\udcc0\udc80', '\udced\udca0\udc80', '\udcf4\udc90\udc80\udc80', '\udce2\udc82x', 'ok', '']);
add(['utf8_domain_to_alabel'], ['bücher.de', 'ABC.de', '', 'a..b', 'münchen.example']);
add(['utf8_domain_from_alabel'], ['xn--bcher-kva.de', 'XN--BCHER-KVA.de', 'xn--zz', 'plain.example', 'xn--mnchen-3ya.example']);
add(['utf8_localpart_to_alabel'], ['bücher', 'abc', '', 'fred']);
add(['utf8_localpart_from_alabel'], ['xn--bcher-kva', 'abc', '']);
add(['listcount'], ['a:b:c', '', 'a::b:c', '<;a;b', '<, a, b,,c', ' ', 'a:', ':', '<', '<;', 'a : b : c ', '<\na\nb']);
add(['randint'], ['x', '-3', '', '5x', '99999999999999999999']);
add(['lc_3', 'strlen_3', 'uc_', 'address_x', 'listcount_3', 'base62_x', 'ipv6norm_x'], ['ABC']);
add(['headerwrap', 'headerwrap_20', 'headerwrap_1000', 'headerwrap_10_2000'], ['abc', '', 'aaa bbb']);

export const CASES: readonly (readonly [string, string])[] = cases;
