// Zones served by the real named in the DNS and dnsdb tests. Names holding
// more than one record are compared order-free (named rotates RRsets).

import type { ZoneSpec } from '../helpers/dns-server.ts';

const long = (c: string) => c.repeat(200);

export const TEST_ZONES: ZoneSpec[] = [
  {
    name: 'example.test',
    records: [
      '@ MX 10 mail',
      'mail A 192.0.2.1',
      'mail AAAA 2001:db8::1',
      'v4only A 192.0.2.2',
      'v6only AAAA 2001:db8::2',
      'two A 192.0.2.3',
      'two A 192.0.2.4',
      'multimx MX 20 b.example.test.',
      'multimx MX 10 a.example.test.',
      'nullmx MX 0 .',
      'alias CNAME mail',
      'dangling CNAME nowhere.example.test.',
      'ext CNAME www.other.test.',
      'txt TXT "hello world"',
      'multi TXT "part one" "part two"',
      'big TXT "' + long('x') + '" "' + long('y') + '"',
      'big TXT "' + long('z') + '"',
      'spf SPF "v=spf1 " "-all"',
      '_25._tcp.mail TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      '_smtp._tcp SRV 5 10 25 mail',
      '@ NS ns1.example.test.',
      '@ NS ns2.other.test.',
      'ns1 A 192.0.2.53',
      // CSA: _client._smtp SRV records (priority 1 = CSA version 1).
      '_client._smtp.good SRV 1 2 0 good',
      'good A 192.0.2.10',
      '_client._smtp.bad SRV 1 1 0 bad',
      '_client._smtp.strict SRV 1 2 1 strict',
      // No SRV here, but the name exists (NODATA) / is an empty non-terminal.
      '_client._smtp.nodata.strict TXT "not csa"',
      'x._client._smtp.ent.strict A 192.0.2.11',
      '_client._smtp.loose SRV 1 2 0 loose',
      '_client._smtp.old SRV 0 2 1 old',
      '_client._smtp.odd SRV 1 7 0 odd',
    ],
  },
  { name: 'other.test', records: ['www A 192.0.2.77'] },
  {
    name: '2.0.192.in-addr.arpa',
    records: [
      '1 PTR mail.example.test.', '3 PTR two.example.test.', '3 PTR alt.example.test.',
      '_client._smtp.10 SRV 1 2 0 good.example.test.',
    ],
  },
  {
    name: '8.b.d.0.1.0.0.2.ip6.arpa',
    records: ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail.example.test.'],
  },
  { name: 'signed.test', records: ['@ A 192.0.2.9', '@ MX 10 mx.signed.test.', 'mx A 192.0.2.9'], dnssec: true },
  { name: 'bogus.test', records: ['@ A 192.0.2.66'], bogus: true },
  { name: 'refused.test', records: ['@ A 192.0.2.67'], refused: true },
];
