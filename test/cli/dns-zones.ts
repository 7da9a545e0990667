// The zones the recorded -bh/-bt sessions of test/fixtures/smtp/bh-dns and
// test/fixtures/bt-dns were made against (exim4 in a network namespace
// whose resolver was a BIND serving these).

import type { ZoneSpec } from '../helpers/dns-server.ts';

export const RECORDED_ZONES: ZoneSpec[] = [
  {
    name: 'example.test',
    records: [
      'good A 10.0.0.1', 'bad A 10.0.0.99', 'both A 10.0.0.6', 'both AAAA 2001:db8::6',
      '@ MX 10 mx1', 'mx1 A 10.0.0.50', 'mxonly MX 5 mx1',
    ],
  },
  {
    // 10.0.0.4 has no PTR record (nor a hosts-file line); nx has no address
    name: '0.0.10.in-addr.arpa',
    records: ['1 PTR good.example.test.', '2 PTR bad.example.test.', '5 PTR nx.example.test.', '6 PTR both.example.test.'],
  },
];
