// The spf lookup: ${lookup {<sender>} spf {<ip address>}} checks the SPF
// policy of the sender's domain (a bare domain counts as postmaster@ it)
// for a client address, without a HELO name, and gives the result name as
// $spf_result would show it. An address that is not an IP address is "not
// found". The check may wait for DNS: the expander replays it (util/suspend.ts).

import { isIP } from 'node:net';
import { registerLookup } from '../lookups/registry.ts';
import { primaryHostname } from '../expand/variables.ts';
import { checkSpf } from './check.ts';

registerLookup({
  name: 'spf',
  style: 'single-key',
  find(req) {
    const ip = (req.file ?? '').trim();
    if (!isIP(ip)) return null;
    const receiver = primaryHostname(req.ctx);
    const outcome = req.ctx.memo.need(`spf lookup\0${ip}\0${req.key}`, () =>
      checkSpf({ ip, helo: '', sender: req.key, receiver, commentTemplate: '' }));
    return outcome.result;
  },
});
