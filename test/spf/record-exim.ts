// Records Exim 4.98's -bh output for the cases of exim-cases.ts into
// fixtures/exim-4.98.txt. Exim asks the resolver of /etc/resolv.conf on port
// 53, so this runs in private network and mount namespaces (needs root):
//
//   echo 'nameserver 127.0.0.1' > /tmp/resolv.conf
//   unshare -nm sh -c 'ip link set lo up && mount --bind /tmp/resolv.conf /etc/resolv.conf &&
//     node test/spf/record-exim.ts'

import fs from 'node:fs';
import path from 'node:path';
import { startDnsServer } from '../helpers/dns-server.ts';
import { makeKeys, runCases, zones } from './exim-cases.ts';

const keys = makeKeys();
const dns = await startDnsServer(zones(keys), { port: 53 });
try {
  const text = await runCases(['/usr/sbin/exim4'], keys, process.env);
  fs.writeFileSync(path.join(import.meta.dirname, 'fixtures/exim-4.98.txt'), text);
} finally {
  await dns.stop();
}
